import { align16, instantiateKernels, type Kernels } from "./kernels/wasm-kernels";

/**
 * Dot products of one query vector with every row of a fixed Float32 matrix, in WebAssembly SIMD:
 * the hot loop of scoring (user vector x all item factors) and of the item-neighbour precompute.
 * Rows are copied once into the kernel's memory, padded to a multiple of 8 floats (zeros do not
 * change a dot product). Sums are Float32: good for choosing candidates; callers that return
 * scores recompute the few winners in Float64.
 */
export class DotKernel {
  private readonly kernels: Kernels;
  private readonly queries: Float32Array;
  private readonly scores: Float32Array;
  private readonly scoresOfFour: Float32Array;
  private readonly scoresAt: number;
  private readonly rowsAt: number;
  private readonly stride: number;

  constructor(
    rows: Float32Array,
    readonly count: number,
    readonly dims: number,
  ) {
    this.stride = Math.ceil(dims / 8) * 8;
    // Room for four queries and four scores per row (scoreFour); scoreAll uses the first of each.
    this.scoresAt = align16(4 * this.stride * 4);
    this.rowsAt = this.scoresAt + align16(4 * count * 4);
    this.kernels = instantiateKernels(this.rowsAt + count * this.stride * 4);
    const { buffer } = this.kernels.memory;
    this.queries = new Float32Array(buffer, 0, 4 * this.stride);
    this.scores = new Float32Array(buffer, this.scoresAt, count);
    this.scoresOfFour = new Float32Array(buffer, this.scoresAt, 4 * count);
    const padded = new Float32Array(buffer, this.rowsAt, count * this.stride);
    for (let i = 0; i < count; i++) padded.set(rows.subarray(i * dims, (i + 1) * dims), i * this.stride);
  }

  /** scores[i] = query · row i. The returned view is overwritten by the next call: read it first. */
  scoreAll(vector: ArrayLike<number>): Float32Array {
    for (let f = 0; f < this.dims; f++) this.queries[f] = vector[f]!;
    if (this.count > 0) this.kernels.dot(0, this.rowsAt, this.scoresAt, this.count, this.stride * 4);
    return this.scores;
  }

  /**
   * Up to four queries in one pass over the rows (about twice as fast per query as scoreAll):
   * scores[4i + q] = vectors[q] · row i; missing queries score zero. Same lifetime as scoreAll's.
   */
  scoreFour(vectors: ReadonlyArray<ArrayLike<number>>): Float32Array {
    for (let q = 0; q < 4; q++) {
      const vector = vectors[q];
      for (let f = 0; f < this.dims; f++) this.queries[q * this.stride + f] = vector ? vector[f]! : 0;
    }
    if (this.count > 0) this.kernels.dot4(0, this.rowsAt, this.scoresAt, this.count, this.stride * 4);
    return this.scoresOfFour;
  }
}
