import { sumGram } from "./kernels/kernel-threads";
import { align16, instantiateKernels } from "./kernels/wasm-kernels";

/**
 * XᵀX (k x k, row-major) of a row-major matrix of k columns, in the WebAssembly f64x2 gram kernel:
 * a model load needs the items' Gram matrix for fold-in (about 4x the plain loop at 128 factors).
 */
export function gramOf(X: Float64Array | Float32Array, k: number): Float64Array {
  const rows = X.length / k;
  // Rows padded to the kernel's 16 bytes; the padding stays zero.
  const stride = Math.ceil(k / 2) * 2;
  const outAt = align16(rows * stride * 8);
  const kernels = instantiateKernels(outAt + k * stride * 8);
  const padded = new Float64Array(kernels.memory.buffer, 0, rows * stride);
  const out = new Float64Array(kernels.memory.buffer, outAt, k * stride);
  for (let r = 0; r < rows; r++) padded.set(X.subarray(r * k, (r + 1) * k), r * stride);
  sumGram(kernels, undefined, 0, rows, k, stride * 8, out, []);
  const gram = new Float64Array(k * k);
  for (let f = 0; f < k; f++) gram.set(out.subarray(f * stride, f * stride + k), f * k);
  return gram;
}
