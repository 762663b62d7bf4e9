import type { Interaction } from "./types";

/**
 * The weighted user-item matrix in CSR (rows = users) and CSC (columns = items) form.
 * `cscToCsr` maps every CSC entry to its CSR position, so per-entry state (predictions)
 * lives in one array that both passes update.
 */
export interface InteractionMatrix {
  userIds: string[];
  itemIds: string[];
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float64Array;
  colPtr: Int32Array;
  rowIdx: Int32Array;
  cscToCsr: Int32Array;
}

/** Ids are sorted so the same interactions give the same matrix whatever their order. */
function indexIds(ids: Iterable<string>): { list: string[]; index: Map<string, number> } {
  const list = [...new Set(ids)].sort();
  return { list, index: new Map(list.map((id, i) => [id, i])) };
}

export function buildInteractionMatrix(interactions: readonly Interaction[]): InteractionMatrix {
  const users = indexIds(interactions.map((x) => x.userId));
  const items = indexIds(interactions.map((x) => x.itemId));
  const m = users.list.length;
  const n = items.list.length;
  const count = interactions.length;
  const rows = new Int32Array(count);
  const cols = new Int32Array(count);
  for (let e = 0; e < count; e++) {
    rows[e] = users.index.get(interactions[e]!.userId)!;
    cols[e] = items.index.get(interactions[e]!.itemId)!;
  }
  // Two stable counting sorts (by item, then by user) order the entries by (user, item) in O(count).
  const byCol = countingSort(cols, n, identityOrder(count));
  const order = countingSort(rows, m, byCol);

  const rowPtr = new Int32Array(m + 1);
  const colIdxAll = new Int32Array(count);
  const valuesAll = new Float64Array(count);
  let nnz = 0;
  let lastRow = -1;
  let lastCol = -1;
  for (const e of order) {
    const r = rows[e]!;
    const c = cols[e]!;
    const w = interactions[e]!.weight;
    if (r === lastRow && c === lastCol) {
      valuesAll[nnz - 1]! += w;
      continue;
    }
    colIdxAll[nnz] = c;
    valuesAll[nnz] = w;
    rowPtr[r + 1]!++;
    nnz++;
    lastRow = r;
    lastCol = c;
  }
  for (let r = 0; r < m; r++) rowPtr[r + 1]! += rowPtr[r]!;
  const colIdx = colIdxAll.slice(0, nnz);
  const values = valuesAll.slice(0, nnz);

  const colPtr = new Int32Array(n + 1);
  for (let p = 0; p < nnz; p++) colPtr[colIdx[p]! + 1]!++;
  for (let c = 0; c < n; c++) colPtr[c + 1]! += colPtr[c]!;
  const rowIdx = new Int32Array(nnz);
  const cscToCsr = new Int32Array(nnz);
  const fill = colPtr.slice(0, n);
  for (let r = 0; r < m; r++) {
    for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) {
      const q = fill[colIdx[p]!]!++;
      rowIdx[q] = r;
      cscToCsr[q] = p;
    }
  }
  return { userIds: users.list, itemIds: items.list, rowPtr, colIdx, values, colPtr, rowIdx, cscToCsr };
}

function identityOrder(count: number): Int32Array {
  const order = new Int32Array(count);
  for (let e = 0; e < count; e++) order[e] = e;
  return order;
}

/** Stable counting sort of `order` by `keys[order[i]]`. */
function countingSort(keys: Int32Array, buckets: number, order: Int32Array): Int32Array {
  const start = new Int32Array(buckets + 1);
  for (const e of order) start[keys[e]! + 1]!++;
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  const sorted = new Int32Array(order.length);
  for (const e of order) sorted[start[keys[e]!]!++] = e;
  return sorted;
}
