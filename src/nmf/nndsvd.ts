import { Matrix, QR, SVD } from "ml-matrix";
import { seededRandom } from "./random";
import type { InteractionMatrix } from "./sparse";

/**
 * NNDSVDa initialisation (Boutsidis & Gallopoulos, as scikit-learn's "nndsvda"): the nonnegative
 * parts of the leading singular vectors, zeros replaced by the matrix mean. The truncated SVD is a
 * seeded randomized one (range finder with power iterations) built from sparse products only, so it
 * costs O(nnz·(k + 10)) per power iteration and never forms users x items.
 */
export function nndsvdaFactors(matrix: InteractionMatrix, k: number, seed: number): { W: Float64Array; H: Float64Array } {
  const m = matrix.userIds.length;
  const n = matrix.itemIds.length;
  const { U, S, V } = randomizedSvd(matrix, k, seed);
  let sum = 0;
  for (const v of matrix.values) sum += v;
  const mean = sum / Math.max(1, m * n);
  const W = new Float64Array(m * k);
  const H = new Float64Array(n * k);
  for (let j = 0; j < k; j++) {
    const x = U.getColumn(j);
    const y = V.getColumn(j);
    let scale = Math.sqrt(S[j]!);
    let sign = 1;
    if (j > 0) {
      // Keep whichever of the positive or negative parts carries more of the singular pair.
      const pos = norm(x, 1) * norm(y, 1);
      const neg = norm(x, -1) * norm(y, -1);
      sign = pos >= neg ? 1 : -1;
      const nx = norm(x, sign);
      const ny = norm(y, sign);
      scale = nx * ny > 0 ? Math.sqrt(S[j]! * Math.max(pos, neg)) : 0;
      for (let i = 0; i < m; i++) x[i] = nx > 0 ? Math.max(0, sign * x[i]!) / nx : 0;
      for (let i = 0; i < n; i++) y[i] = ny > 0 ? Math.max(0, sign * y[i]!) / ny : 0;
    } else {
      for (let i = 0; i < m; i++) x[i] = Math.abs(x[i]!);
      for (let i = 0; i < n; i++) y[i] = Math.abs(y[i]!);
    }
    for (let i = 0; i < m; i++) W[i * k + j] = scale * x[i]! || mean;
    for (let i = 0; i < n; i++) H[i * k + j] = scale * y[i]! || mean;
  }
  return { W, H };
}

/** Euclidean norm of the positive (sign 1) or negative (sign -1) part. */
function norm(values: number[], sign: number): number {
  let s = 0;
  for (const v of values) if (sign * v > 0) s += v * v;
  return Math.sqrt(s);
}

/** Top-k singular triplets of the sparse matrix (Halko, Martinsson & Tropp). */
function randomizedSvd(matrix: InteractionMatrix, k: number, seed: number): { U: Matrix; S: number[]; V: Matrix } {
  const m = matrix.userIds.length;
  const n = matrix.itemIds.length;
  const width = Math.min(k + 10, m, n);
  const random = seededRandom(seed);
  const omega = Matrix.zeros(n, width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) omega.set(i, j, random() * 2 - 1);
  let Q = orthonormal(times(matrix, omega, false));
  for (let power = 0; power < 4; power++) Q = orthonormal(times(matrix, orthonormal(times(matrix, Q, true)), false));
  // Rᵀ·Q is n x width; its SVD gives R's right singular vectors directly.
  const svd = new SVD(times(matrix, Q, true), { autoTranspose: true });
  const S = svd.diagonal.slice(0, k);
  const V = svd.leftSingularVectors.subMatrix(0, n - 1, 0, Math.min(k, width) - 1);
  const U = Q.mmul(svd.rightSingularVectors).subMatrix(0, m - 1, 0, Math.min(k, width) - 1);
  while (S.length < k) S.push(0);
  return { U: padColumns(U, k), S, V: padColumns(V, k) };
}

/** R·X (transposed = false) or Rᵀ·X, with R in CSR form; flat arrays in the hot loop. */
function times(matrix: InteractionMatrix, X: Matrix, transposed: boolean): Matrix {
  const { rowPtr, colIdx, values } = matrix;
  const width = X.columns;
  const rows = transposed ? matrix.itemIds.length : matrix.userIds.length;
  const x = Float64Array.from(X.to1DArray());
  const out = new Float64Array(rows * width);
  for (let u = 0; u < matrix.userIds.length; u++) {
    for (let p = rowPtr[u]!; p < rowPtr[u + 1]!; p++) {
      const to = (transposed ? colIdx[p]! : u) * width;
      const from = (transposed ? u : colIdx[p]!) * width;
      const v = values[p]!;
      for (let j = 0; j < width; j++) out[to + j]! += v * x[from + j]!;
    }
  }
  return Matrix.from1DArray(rows, width, out);
}

function orthonormal(X: Matrix): Matrix {
  return new QR(X).orthogonalMatrix.subMatrix(0, X.rows - 1, 0, X.columns - 1);
}

function padColumns(X: Matrix, k: number): Matrix {
  if (X.columns >= k) return X;
  return Matrix.zeros(X.rows, k).setSubMatrix(X, 0, 0);
}
