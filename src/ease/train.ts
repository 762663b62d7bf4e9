import { InputError } from "../domain/errors";
import { modelOf, trainingMatrix, type ModelFamily, type TrainOptions } from "../factors/family";
import { inverseCholeskyFactor } from "../factors/large-cholesky";
import type { FactorModel, ItemSide, UserEntries } from "../factors/model";
import type { InteractionMatrix } from "../factors/sparse";
import type { EaseParams } from "./types";

/**
 * The largest model EASE trains: items x min(users, items) numbers (100 MB of factors, and as many
 * multiply-adds to score a request, about 6 ms here). Its cost grows with the square of the smaller
 * side, so it suits small catalogs (or few users); larger data is ALS's.
 */
export const EASE_MAX_ENTRIES = 25_000_000;

/**
 * EASE (Steck 2019): item-item weights B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹, and a user's
 * score for an item they have not seen is (x·B)ⱼ = −(x·P)ⱼ / Pⱼⱼ. B itself is items x items; instead
 * the model stores an exact factorization of those scores of width k = min(users, items), so that it
 * is served, stored and gated as any factor model:
 * - primal (items ≤ users): with XᵀX + λI = C·Cᵀ and bⱼ column j of C⁻¹, Pᵢⱼ = bᵢ·bⱼ, so item
 *   vector vⱼ = bⱼ / |bⱼ|² and user vector u = −Σ xᵢ·bᵢ give u·vⱼ = −(x·P)ⱼ / Pⱼⱼ;
 * - dual (users < items): by Woodbury P = (I − Xᵀ(λI + XXᵀ)⁻¹X) / λ; with λI + XXᵀ = C·Cᵀ and
 *   bⱼ = C⁻¹·(column j of X), Pⱼⱼ = (1 − |bⱼ|²) / λ, so vⱼ = bⱼ / (1 − |bⱼ|²) and u = Σ xᵢ·bᵢ.
 * Either way u = Σ xᵢ·cᵢ·vᵢ, cᵢ a function of |vᵢ| alone (foldIn), so a new event needs no matrix,
 * and the model keeps no user vectors: every user is folded in.
 * Cost: k³/3 for the Cholesky factor and its inverse, plus nnz·k in the dual.
 *
 * X is presence, as the paper defines it: an interaction of any positive weight is 1. Weights would
 * enter the Gram matrix squared (a purchase of weight 5 counting 25 views); on MovieLens with its
 * ratings as weights and on the planted sets with weights 1, 3 and 5 that lost to presence at every λ.
 */
export function trainEase(
  interactions: InteractionMatrix,
  params: EaseParams,
  options: TrainOptions = {},
): FactorModel<EaseParams> {
  const started = Date.now();
  const matrix = trainingMatrix(interactions);
  const m = matrix.userIds.length;
  const n = matrix.itemIds.length;
  const k = Math.min(m, n);
  if (n * k > EASE_MAX_ENTRIES) {
    throw new InputError(
      "EASE",
      `${m} users and ${n} items make a model of ${n} x ${k} numbers, more than EASE's ${EASE_MAX_ENTRIES.toLocaleString("en")} (its size grows with items x min(users, items)): use ALS for data this size`,
    );
  }
  const { regularization } = params;
  const resolved: EaseParams = { regularization, components: k, iterations: 1, seed: 0 };
  const dual = k < n;
  // Rows of the Gram side: in the primal the Gram matrix is over items (pairs within a user's row),
  // in the dual over users (pairs within an item's column).
  const gram = dual
    ? pairCounts(m, matrix.colPtr, matrix.rowIdx)
    : pairCounts(n, matrix.rowPtr, matrix.colIdx);
  for (let f = 0; f < k; f++) gram[f * k + f]! += regularization;
  // Row r: column r of C⁻¹ (entries r..k-1 nonzero).
  const inverseT = transpose(inverseCholeskyFactor(gram, k, options.threads), k);
  const basis = dual ? columnImages(inverseT, k, matrix.colPtr, matrix.rowIdx) : inverseT;
  const itemFactors = new Float32Array(n * k);
  for (let j = 0; j < n; j++) {
    const b = basis.subarray(j * k, (j + 1) * k);
    const squared = sumOfSquares(b);
    const scale = dual ? 1 / (1 - squared) : 1 / squared;
    for (let f = 0; f < k; f++) itemFactors[j * k + f] = b[f]! * scale;
  }
  // No trained user vectors: users × k of them would outgrow the model when users are many (the
  // primal form), and a user's vector is the fold-in of their items anyway, cheap and exact.
  return modelOf(
    ease,
    { userIds: [], itemIds: matrix.itemIds, userFactors: [], itemFactors },
    resolved,
    {
      users: m,
      items: n,
      interactions: matrix.values.length,
      iterations: 1,
      // A closed form has no loss to follow (0, as for imported factors).
      loss: 0,
      durationMs: Date.now() - started,
    },
    options,
  );
}

/**
 * A user's vector Σ cᵢ·vᵢ over their items (train.ts; xᵢ = 1: presence): with a = |vᵢ|², cᵢ = −1/a in
 * the primal form and, in the dual, the d = 1 − |bᵢ|² with vᵢ = bᵢ/d, that is the root of
 * a·d² + d − 1 = 0 in (0, 1].
 */
function easeFoldIn(items: ItemSide, entries: UserEntries): Float32Array {
  const { factors, components: k } = items;
  const dual = k < factors.length / k;
  const vector = new Float64Array(k);
  for (const { item } of entries) {
    const v = factors.subarray(item * k, (item + 1) * k);
    const a = sumOfSquares(v);
    const c = dual ? 2 / (1 + Math.sqrt(1 + 4 * a)) : -1 / a;
    for (let f = 0; f < k; f++) vector[f]! += c * v[f]!;
  }
  return Float32Array.from(vector);
}

export const ease: ModelFamily<EaseParams> = {
  name: "EASE",
  paramNames: ["regularization"],
  searchSpace: { regularization: [10, 30, 100, 250, 500, 1000, 3000, 10000] },
  foldInUsesGram: false,
  foldIn: (items, entries) => easeFoldIn(items, entries),
  // An item's related items are its row of B: the scores of a user who has that item alone.
  relatedQuery: (items, item) => easeFoldIn(items, [{ item, weight: 1 }]),
  train: trainEase,
};

/**
 * How many groups (users' rows or items' columns) hold each pair of indexes, as the lower triangle of
 * a size x size Gram matrix of presence: XᵀX from the rows, XXᵀ from the columns.
 */
function pairCounts(size: number, ptr: Int32Array, index: Int32Array): Float64Array {
  const gram = new Float64Array(size * size);
  for (let g = 0; g + 1 < ptr.length; g++) {
    for (let p = ptr[g]!; p < ptr[g + 1]!; p++) {
      const row = index[p]! * size;
      // Indexes ascend within a group: the pairs up to p are those on or below the diagonal.
      for (let q = ptr[g]!; q <= p; q++) gram[row + index[q]!]! += 1;
    }
  }
  return gram;
}

/** Each item's bⱼ = C⁻¹·(column j of X), from the rows of (C⁻¹)ᵀ and the columns' users: items x k. */
function columnImages(
  inverseT: Float64Array,
  k: number,
  colPtr: Int32Array,
  rowIdx: Int32Array,
): Float64Array {
  const n = colPtr.length - 1;
  const images = new Float64Array(n * k);
  for (let j = 0; j < n; j++) {
    const out = j * k;
    for (let p = colPtr[j]!; p < colPtr[j + 1]!; p++) {
      const u = rowIdx[p]!;
      // Column u of the lower-triangular C⁻¹ is zero above row u.
      for (let r = u; r < k; r++) images[out + r]! += inverseT[u * k + r]!;
    }
  }
  return images;
}

function transpose(a: Float64Array, k: number): Float64Array {
  const t = new Float64Array(k * k);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) t[j * k + i] = a[i * k + j]!;
  return t;
}

function sumOfSquares(v: ArrayLike<number>): number {
  let s = 0;
  for (let f = 0; f < v.length; f++) s += v[f]! ** 2;
  return s;
}
