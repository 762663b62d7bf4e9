import type { ItemSide, UserEntries } from "../factors/model";
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
  const A = Float64Array.from(items.gram);
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

/**
 * Solves A·x = b for a symmetric positive definite k x k matrix given by its lower triangle
 * (row-major); overwrites A with its Cholesky factor. λ > 0 keeps A positive definite.
 */
export function choleskySolve(A: Float64Array, b: Float64Array, k: number): Float64Array {
  cholesky(A, k);
  return solveWithFactor(A, b, k);
}

/** A = L·Lᵀ in place (L in the lower triangle). */
export function cholesky(A: Float64Array, k: number): void {
  for (let j = 0; j < k; j++) {
    let d = A[j * k + j]!;
    for (let p = 0; p < j; p++) d -= A[j * k + p]! ** 2;
    if (!(d > 0)) throw new Error("ALS: the system is not positive definite (regularization must be > 0)");
    const ljj = Math.sqrt(d);
    A[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = A[i * k + j]!;
      for (let p = 0; p < j; p++) s -= A[i * k + p]! * A[j * k + p]!;
      A[i * k + j] = s / ljj;
    }
  }
}

/** L⁻¹ in place of the lower triangle L from cholesky(); the upper triangle becomes zero. */
export function invertLower(L: Float64Array, k: number): void {
  const inverse = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const d = 1 / L[i * k + i]!;
    inverse[i * k + i] = d;
    for (let j = 0; j < i; j++) {
      let s = 0;
      for (let p = j; p < i; p++) s += L[i * k + p]! * inverse[p * k + j]!;
      inverse[i * k + j] = -s * d;
    }
  }
  L.set(inverse);
}

/** x with L·Lᵀ·x = b, for L from cholesky(). */
export function solveWithFactor(L: Float64Array, b: ArrayLike<number>, k: number): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < k; i++) {
    let s = x[i]!;
    for (let p = 0; p < i; p++) s -= L[i * k + p]! * x[p]!;
    x[i] = s / L[i * k + i]!;
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let p = i + 1; p < k; p++) s -= L[p * k + i]! * x[p]!;
    x[i] = s / L[i * k + i]!;
  }
  return x;
}
