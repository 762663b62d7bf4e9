import type { ItemSide, UserEntries } from "../factors/model";
import { choleskySolve } from "../factors/linalg";
import type { AlsParams } from "./types";

/**
 * The user step of implicit ALS against fixed item factors Y (Hu, Koren and Volinsky 2008, eq. 4):
 *   (YᵀY + Σ α·w_i·y_i·y_iᵀ + λ_u·I) x = Σ (1 + α·w_i)·y_i,   λ_u = rowPenalty(user's item count, ...)
 * over the user's items i only: every other item has preference 0 and confidence 1, which YᵀY
 * already accounts for. Solved exactly by Cholesky: O(items of the user · k² + k³), independent of
 * the catalog, so a recorded event updates the user's vector at once.
 */
export function alsFoldIn(items: ItemSide, entries: UserEntries, params: AlsParams): Float32Array {
  const k = items.components;
  const A = Float64Array.from(items.gram!);
  const b = new Float64Array(k);
  const lambda = rowPenalty(params, entries.length, items.meanUserEntries);
  for (let f = 0; f < k; f++) A[f * k + f]! += lambda;
  for (const { item, weight } of entries) {
    const y = items.factors.subarray(item * k, (item + 1) * k);
    const extra = params.alpha * weight;
    for (let f = 0; f < k; f++) {
      b[f]! += (1 + extra) * y[f]!;
      const row = f * k;
      const yf = extra * y[f]!;
      for (let g = 0; g <= f; g++) A[row + g]! += yf * y[g]!;
    }
  }
  return Float32Array.from(choleskySolve(A, b, k));
}

/**
 * The L2 penalty of a row (a user or an item) of n interactions on a side whose rows have n̄ on
 * average: λ·((1 + n) / (1 + n̄))^ν. Relative to the average row, so λ keeps its meaning whatever ν
 * and whatever the size of the data (settings tuned on a validation split carry over to all of it).
 */
export function rowPenalty(params: AlsParams, entries: number, meanEntries: number): number {
  return params.regularization * ((1 + entries) / (1 + meanEntries)) ** (params.regularizationExponent ?? 0);
}
