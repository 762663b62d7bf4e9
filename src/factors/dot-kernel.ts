import { align16, instantiateKernels, type Kernels } from "./kernels/wasm-kernels";

/**
 * Dot products of one query vector with every row of a fixed Float32 matrix, in WebAssembly SIMD:
 * the hot loop of scoring (a user vector, or an item's for related items, x all item factors).
 * Rows are copied once into the kernel's memory, padded to a multiple of 8 floats (zeros do not
 * change a dot product). Sums are Float32: good for choosing candidates; callers that return
 * scores recompute the few winners in Float64.
 */
export class DotKernel {
  private readonly kernels: Kernels;
  private readonly queries: Float32Array;
  private readonly scores: Float32Array;
  private readonly scoresAt: number;
  private readonly rowsAt: number;
  private readonly stride: number;

  constructor(
    rows: Float32Array,
    readonly count: number,
    readonly dims: number,
  ) {
    this.stride = Math.ceil(dims / 8) * 8;
    this.scoresAt = align16(this.stride * 4);
    this.rowsAt = this.scoresAt + align16(count * 4);
    this.kernels = instantiateKernels(this.rowsAt + count * this.stride * 4);
    const { buffer } = this.kernels.memory;
    this.queries = new Float32Array(buffer, 0, this.stride);
    this.scores = new Float32Array(buffer, this.scoresAt, count);
    const padded = new Float32Array(buffer, this.rowsAt, count * this.stride);
    for (let i = 0; i < count; i++) padded.set(rows.subarray(i * dims, (i + 1) * dims), i * this.stride);
  }

  /** scores[i] = query · row i. The returned view is overwritten by the next call: read it first. */
  scoreAll(vector: ArrayLike<number>): Float32Array {
    for (let f = 0; f < this.dims; f++) this.queries[f] = vector[f]!;
    if (this.count > 0) this.kernels.dot(0, this.rowsAt, this.scoresAt, this.count, this.stride * 4);
    return this.scores;
  }
}
