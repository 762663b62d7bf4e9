/**
 * Dense symmetric positive definite solves, row-major Float64: the families' small exact systems
 * (large-cholesky.ts has the blocked SIMD version for matrices thousands wide).
 */

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
    if (!(d > 0)) throw new Error("the system is not positive definite (regularization must be > 0)");
    const ljj = Math.sqrt(d);
    A[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let s = A[i * k + j]!;
      for (let p = 0; p < j; p++) s -= A[i * k + p]! * A[j * k + p]!;
      A[i * k + j] = s / ljj;
    }
  }
}

/**
 * L⁻¹ in place of the lower triangle L from cholesky(); the upper triangle becomes zero. Row by row,
 * row i of L⁻¹ = (eᵢ − Σ_{p<i} L[i,p]·row p of L⁻¹) / L[i,i]: every read runs along a row, where a
 * column-wise sum would stride through the matrix.
 */
export function invertLower(L: Float64Array, k: number): void {
  const inverse = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    const row = i * k;
    for (let p = 0; p < i; p++) {
      const lip = L[row + p]!;
      if (lip === 0) continue;
      const from = p * k;
      for (let j = 0; j <= p; j++) inverse[row + j]! -= lip * inverse[from + j]!;
    }
    const d = 1 / L[row + i]!;
    for (let j = 0; j < i; j++) inverse[row + j]! *= d;
    inverse[row + i] = d;
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
