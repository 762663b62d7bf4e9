import type { Interaction } from "./types";

/** The weighted user-item matrix in CSR (rows = users) and CSC (columns = items) form. */
export interface InteractionMatrix {
  userIds: string[];
  itemIds: string[];
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float64Array;
  colPtr: Int32Array;
  rowIdx: Int32Array;
  /** The values in CSC order. */
  columnValues: Float64Array;
}

export function buildInteractionMatrix(interactions: readonly Interaction[]): InteractionMatrix {
  const count = interactions.length;
  const rows = new Int32Array(count);
  const cols = new Int32Array(count);
  const users = new IdIndex();
  const items = new IdIndex();
  for (let e = 0; e < count; e++) {
    rows[e] = users.add(interactions[e]!.userId);
    cols[e] = items.add(interactions[e]!.itemId);
  }
  // Ids are sorted so the same interactions give the same matrix whatever their order.
  const userIds = users.sortInPlace(rows);
  const itemIds = items.sortInPlace(cols);
  const m = userIds.length;
  const n = itemIds.length;
  // Two stable counting sorts (by item, then by user) order the entries by (user, item) in O(count).
  const byCol = countingSort(cols, n, identityOrder(count));
  const order = countingSort(rows, m, byCol);

  const rowPtr = new Int32Array(m + 1);
  const colIdxAll = new Int32Array(count);
  const valuesAll = new Float64Array(count);
  let nnz = 0;
  let lastRow = -1;
  let lastCol = -1;
  for (let i = 0; i < count; i++) {
    const e = order[i]!;
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
  const columnValues = new Float64Array(nnz);
  const fill = colPtr.slice(0, n);
  for (let r = 0; r < m; r++) {
    for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) {
      const q = fill[colIdx[p]!]!++;
      rowIdx[q] = r;
      columnValues[q] = values[p]!;
    }
  }
  return { userIds, itemIds, rowPtr, colIdx, values, colPtr, rowIdx, columnValues };
}

function identityOrder(count: number): Int32Array {
  const order = new Int32Array(count);
  for (let e = 0; e < count; e++) order[e] = e;
  return order;
}

/** Stable counting sort of `order` by `keys[order[i]]`. */
function countingSort(keys: Int32Array, buckets: number, order: Int32Array): Int32Array {
  const start = new Int32Array(buckets + 1);
  for (let i = 0; i < order.length; i++) start[keys[order[i]!]! + 1]!++;
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  const sorted = new Int32Array(order.length);
  for (let i = 0; i < order.length; i++) sorted[start[keys[order[i]!]!]!++] = order[i]!;
  return sorted;
}

/** Numbers ids in the order first seen (one map lookup per entry), then renumbers them sorted. */
class IdIndex {
  private readonly index = new Map<string, number>();
  private readonly ids: string[] = [];

  add(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.index.set(id, i);
      this.ids.push(id);
    }
    return i;
  }

  /** The sorted ids; `numbers` (first-seen numbers) are rewritten to positions in them. */
  sortInPlace(numbers: Int32Array): string[] {
    const order = this.ids.map((_, i) => i).sort((a, b) => (this.ids[a]! < this.ids[b]! ? -1 : 1));
    const position = new Int32Array(order.length);
    order.forEach((first, sorted) => (position[first] = sorted));
    for (let e = 0; e < numbers.length; e++) numbers[e] = position[numbers[e]!]!;
    return order.map((first) => this.ids[first]!);
  }
}
