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

/** Numbers ids in the order first seen: one map lookup per event, one string per distinct id. */
export class IdInterner {
  private readonly index = new Map<string, number>();
  readonly ids: string[] = [];

  add(id: string): number {
    let i = this.index.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.index.set(id, i);
      this.ids.push(id);
    }
    return i;
  }

  /** The ids sorted, and for each first-seen number its position among them. */
  sorted(): { ids: string[]; position: Int32Array } {
    const order = this.ids.map((_, i) => i).sort((a, b) => (this.ids[a]! < this.ids[b]! ? -1 : 1));
    const position = new Int32Array(order.length);
    order.forEach((first, sorted) => (position[first] = sorted));
    return { ids: order.map((first) => this.ids[first]!), position };
  }
}

/**
 * Interactions as they stream in (from a CSV, the table or an export): three growing typed arrays
 * and interned ids, about 16 bytes per event instead of an object each. Logs that share their
 * interners (a train and a test file) build matrices over the same ids.
 */
export class InteractionLog {
  private rows = new Int32Array(1024);
  private cols = new Int32Array(1024);
  private weights = new Float64Array(1024);
  private count = 0;

  constructor(
    readonly users = new IdInterner(),
    readonly items = new IdInterner(),
  ) {}

  get size(): number {
    return this.count;
  }

  add(userId: string, itemId: string, weight: number): void {
    if (this.count === this.rows.length) this.grow();
    this.rows[this.count] = this.users.add(userId);
    this.cols[this.count] = this.items.add(itemId);
    this.weights[this.count++] = weight;
  }

  /** Repeated pairs add up; pairs whose sum is not positive are dropped (e.g. a rating of 0). */
  toMatrix(): InteractionMatrix {
    const users = this.users.sorted();
    const items = this.items.sorted();
    const rows = this.rows.subarray(0, this.count).map((r) => users.position[r]!);
    const cols = this.cols.subarray(0, this.count).map((c) => items.position[c]!);
    return fromTriples(rows, cols, this.weights.subarray(0, this.count), users.ids, items.ids);
  }

  private grow(): void {
    this.rows = doubled(this.rows);
    this.cols = doubled(this.cols);
    this.weights = doubled(this.weights);
  }
}

/** A typed array of twice the length, starting with `a`'s values (growing columns of events). */
export function doubled<T extends Int32Array | Float64Array>(a: T): T {
  const b = new (a.constructor as new (length: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/** The matrix of a list of interactions (tests, benchmarks, small jobs). */
export function interactionMatrix(interactions: Iterable<Interaction>, log = new InteractionLog()) {
  for (const x of interactions) log.add(x.userId, x.itemId, x.weight);
  return log.toMatrix();
}

/** Matrices of two lists over the same user and item ids (a train and a test set). */
export function alignedMatrices(
  first: Iterable<Interaction>,
  second: Iterable<Interaction>,
): [InteractionMatrix, InteractionMatrix] {
  const a = new InteractionLog();
  const b = new InteractionLog(a.users, a.items);
  for (const x of first) a.add(x.userId, x.itemId, x.weight);
  for (const x of second) b.add(x.userId, x.itemId, x.weight);
  return [a.toMatrix(), b.toMatrix()];
}

/**
 * The matrix of (row, col, weight) triples over sorted ids: two stable counting sorts (by column,
 * then by row) order the entries in O(count), duplicates are summed, non-positive sums dropped.
 */
function fromTriples(
  rows: Int32Array,
  cols: Int32Array,
  weights: ArrayLike<number>,
  userIds: string[],
  itemIds: string[],
): InteractionMatrix {
  const count = rows.length;
  const m = userIds.length;
  const n = itemIds.length;
  const order = countingSort(rows, m, countingSort(cols, n, identityOrder(count)));

  const rowPtr = new Int32Array(m + 1);
  const colIdxAll = new Int32Array(count);
  const valuesAll = new Float64Array(count);
  let nnz = 0;
  for (let i = 0; i < count;) {
    const r = rows[order[i]!]!;
    const c = cols[order[i]!]!;
    let w = 0;
    for (; i < count && rows[order[i]!] === r && cols[order[i]!] === c; i++) w += weights[order[i]!]!;
    if (!(w > 0) || !Number.isFinite(w)) continue;
    colIdxAll[nnz] = c;
    valuesAll[nnz++] = w;
    rowPtr[r + 1]!++;
  }
  for (let r = 0; r < m; r++) rowPtr[r + 1]! += rowPtr[r]!;
  return withColumns(userIds, itemIds, rowPtr, colIdxAll.slice(0, nnz), valuesAll.slice(0, nnz));
}

/** Completes a CSR matrix with its CSC twin. */
export function withColumns(
  userIds: string[],
  itemIds: string[],
  rowPtr: Int32Array,
  colIdx: Int32Array,
  values: Float64Array,
): InteractionMatrix {
  const n = itemIds.length;
  const nnz = values.length;
  const colPtr = new Int32Array(n + 1);
  for (let p = 0; p < nnz; p++) colPtr[colIdx[p]! + 1]!++;
  for (let c = 0; c < n; c++) colPtr[c + 1]! += colPtr[c]!;
  const rowIdx = new Int32Array(nnz);
  const columnValues = new Float64Array(nnz);
  const fill = colPtr.slice(0, n);
  for (let r = 0; r < userIds.length; r++) {
    for (let p = rowPtr[r]!; p < rowPtr[r + 1]!; p++) {
      const q = fill[colIdx[p]!]!++;
      rowIdx[q] = r;
      columnValues[q] = values[p]!;
    }
  }
  return { userIds, itemIds, rowPtr, colIdx, values, colPtr, rowIdx, columnValues };
}

/** The same matrix without users and items that have no entries (a model knows only what it saw). */
export function compact(matrix: InteractionMatrix): InteractionMatrix {
  const { rowPtr, colPtr } = matrix;
  const keptRows = indexesWhere(matrix.userIds.length, (r) => rowPtr[r + 1]! > rowPtr[r]!);
  const keptCols = indexesWhere(matrix.itemIds.length, (c) => colPtr[c + 1]! > colPtr[c]!);
  if (keptRows.length === matrix.userIds.length && keptCols.length === matrix.itemIds.length) return matrix;
  const newCol = new Int32Array(matrix.itemIds.length);
  keptCols.forEach((c, i) => (newCol[c] = i));
  const newRowPtr = new Int32Array(keptRows.length + 1);
  keptRows.forEach((r, i) => (newRowPtr[i + 1] = newRowPtr[i]! + rowPtr[r + 1]! - rowPtr[r]!));
  const colIdx = new Int32Array(matrix.values.length);
  const values = new Float64Array(matrix.values.length);
  keptRows.forEach((r, i) => {
    for (let p = rowPtr[r]!, q = newRowPtr[i]!; p < rowPtr[r + 1]!; p++, q++) {
      colIdx[q] = newCol[matrix.colIdx[p]!]!;
      values[q] = matrix.values[p]!;
    }
  });
  return withColumns(
    keptRows.map((r) => matrix.userIds[r]!),
    keptCols.map((c) => matrix.itemIds[c]!),
    newRowPtr,
    colIdx,
    values,
  );
}

function indexesWhere(length: number, keep: (i: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < length; i++) if (keep(i)) out.push(i);
  return out;
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
