import { equalRows, KernelThreads } from "./kernels/kernel-threads";
import { instantiateKernels } from "./kernels/wasm-kernels";

/**
 * Rows worked on together: each finished row is read once per block of rows while the block (a few
 * hundred KB at the widths EASE allows) stays in cache. Row by row, a matrix thousands wide is read
 * from memory for every row and the loops run at memory speed.
 */
const BLOCK = 64;

/**
 * W = C⁻¹ for M = C·Cᵀ, C lower triangular, of a large symmetric positive definite k x k matrix given
 * by its lower triangle (row-major); W is returned k x k row-major, its upper triangle zero. The same
 * arithmetic as linalg.ts's cholesky and invertLower (Cholesky–Banachiewicz row by row, then each row
 * of W from the rows above it), in blocks of rows, with the dot products and row updates in the SIMD
 * kernels: EASE's matrices are up to 5,000 wide. A block's rows take what the finished rows above it
 * give them independently of each other, so that part (all but a block's own triangle) is split over
 * `threads`.
 */
export function inverseCholeskyFactor(M: Float64Array, k: number, threads = 1): Float64Array {
  const stride = Math.ceil(k / 2) * 2;
  const strideBytes = stride * 8;
  const matrixBytes = k * strideBytes;
  const kernels = instantiateKernels(2 * matrixBytes);
  const L = new Float64Array(kernels.memory.buffer, 0, k * stride);
  const W = new Float64Array(kernels.memory.buffer, matrixBytes, k * stride);
  for (let i = 0; i < k; i++) L.set(M.subarray(i * k, i * k + i + 1), i * stride);
  const helpers = threads > 1 && k > BLOCK ? new KernelThreads(kernels, threads) : undefined;
  // The rows of a block, split over the threads.
  const parts = (i0: number, i1: number) =>
    equalRows(i1 - i0, threads).map(([r0, r1]): [number, number] => [i0 + r0, i0 + r1]);
  try {
    for (let i0 = 0; i0 < k; i0 += BLOCK) {
      const i1 = Math.min(k, i0 + BLOCK);
      if (helpers) helpers.choleskyColumns(0, strideBytes, 0, i0, parts(i0, i1));
      else kernels.choleskyColumns(0, strideBytes, 0, i0, i0, i1);
      for (let j = i0; j < i1; j++) {
        // Row j is complete left of its diagonal.
        let d = L[j * stride + j]!;
        for (let p = 0; p < j; p++) d -= L[j * stride + p]! ** 2;
        if (!(d > 0)) throw new Error("the system is not positive definite (regularization must be > 0)");
        L[j * stride + j] = Math.sqrt(d);
        kernels.choleskyColumns(0, strideBytes, j, j + 1, j + 1, i1);
      }
    }
    for (let i0 = 0; i0 < k; i0 += BLOCK) {
      const i1 = Math.min(k, i0 + BLOCK);
      if (helpers) helpers.inverseSteps(matrixBytes, 0, strideBytes, 0, i0, parts(i0, i1));
      else kernels.inverseSteps(matrixBytes, 0, strideBytes, 0, i0, i0, i1);
      for (let p = i0; p < i1; p++) {
        // Row p has every update from the rows above it: scale it by 1 / L[p,p].
        const d = 1 / L[p * stride + p]!;
        for (let j = 0; j < p; j++) W[p * stride + j]! *= d;
        W[p * stride + p] = d;
        kernels.inverseSteps(matrixBytes, 0, strideBytes, p, p + 1, p + 1, i1);
      }
    }
  } finally {
    helpers?.close();
  }
  const inverse = new Float64Array(k * k);
  for (let i = 0; i < k; i++) inverse.set(W.subarray(i * stride, i * stride + i + 1), i * k);
  return inverse;
}
