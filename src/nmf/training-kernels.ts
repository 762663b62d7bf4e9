import type { InteractionMatrix } from "../factors/sparse";
import { equalEntries, equalRows, KernelThreads, sumGram } from "../factors/kernels/kernel-threads";
import { align16, instantiateKernels, type Kernels } from "../factors/kernels/wasm-kernels";

/** A dense row-major Float64 matrix living in the kernels' memory; columns beyond `width` are zero. */
export interface Dense {
  data: Float64Array;
  rows: number;
  width: number;
  /** Row length in the memory: `width` rounded up to a multiple of 8. */
  stride: number;
  at: number;
}

/**
 * The memory and SIMD loops of one NMF training run: R in both orientations, the factors, their
 * sparse products and Gram matrices, and the range-finder blocks of the initial SVD, all allocated
 * once in one WebAssembly memory so that an epoch copies nothing.
 */
export class TrainingKernels {
  readonly W: Dense;
  readonly H: Dense;
  readonly RH: Dense;
  readonly RtW: Dense;
  readonly gramW: Dense;
  readonly gramH: Dense;
  /** users x svdWidth and items x svdWidth, for the initial SVD. */
  readonly Q: Dense;
  readonly Z: Dense;
  /** svdWidth x svdWidth: Gram matrices of Q and Z. */
  readonly gramQ: Dense;
  private readonly kernels: Kernels;
  private readonly byRows: Compressed;
  private readonly byColumns: Compressed;
  private readonly threads?: KernelThreads;
  /** Where helper threads add up their part of a Gram matrix. */
  private readonly gramPartials: number[] = [];

  /** `threads` > 1 splits every row loop over that many threads (the caller's included). */
  constructor(matrix: InteractionMatrix, k: number, svdWidth: number, threads = 1) {
    const m = matrix.userIds.length;
    const n = matrix.itemIds.length;
    const nnz = matrix.values.length;
    const layout = new Layout();
    const compressed = (rows: number): Omit<Compressed, "rows" | "rowPtr"> => ({
      ptr: layout.take((rows + 1) * 4),
      idx: layout.take(nnz * 4),
      values: layout.take(nnz * 8),
    });
    this.byRows = { ...compressed(m), rows: m, rowPtr: matrix.rowPtr };
    this.byColumns = { ...compressed(n), rows: n, rowPtr: matrix.colPtr };
    const shapes = { W: [m, k], H: [n, k], RH: [m, k], RtW: [n, k], gramW: [k, k], gramH: [k, k] } as const;
    const svdShapes = { Q: [m, svdWidth], Z: [n, svdWidth], gramQ: [svdWidth, svdWidth] } as const;
    const places = new Map<string, number>();
    for (const [name, [rows, width]] of Object.entries({ ...shapes, ...svdShapes }))
      places.set(name, layout.take(rows * paddedWidth(width) * 8));
    const widest = Math.max(k, svdWidth);
    for (let t = 1; t < threads; t++) this.gramPartials.push(layout.take(widest * paddedWidth(widest) * 8));
    this.kernels = instantiateKernels(layout.size);
    if (threads > 1) this.threads = new KernelThreads(this.kernels, threads);
    const { buffer } = this.kernels.memory;
    const dense = (name: string, [rows, width]: readonly [number, number]): Dense => {
      const stride = paddedWidth(width);
      const at = places.get(name)!;
      return { data: new Float64Array(buffer, at, rows * stride), rows, width, stride, at };
    };
    this.W = dense("W", shapes.W);
    this.H = dense("H", shapes.H);
    this.RH = dense("RH", shapes.RH);
    this.RtW = dense("RtW", shapes.RtW);
    this.gramW = dense("gramW", shapes.gramW);
    this.gramH = dense("gramH", shapes.gramH);
    this.Q = dense("Q", svdShapes.Q);
    this.Z = dense("Z", svdShapes.Z);
    this.gramQ = dense("gramQ", svdShapes.gramQ);
    new Int32Array(buffer, this.byRows.ptr, m + 1).set(matrix.rowPtr);
    new Int32Array(buffer, this.byRows.idx, nnz).set(matrix.colIdx);
    new Float64Array(buffer, this.byRows.values, nnz).set(matrix.values);
    new Int32Array(buffer, this.byColumns.ptr, n + 1).set(matrix.colPtr);
    new Int32Array(buffer, this.byColumns.idx, nnz).set(matrix.rowIdx);
    new Float64Array(buffer, this.byColumns.values, nnz).set(matrix.columnValues);
  }

  /** out = R·Y (users x stride) for Y items x stride. */
  timesItems(Y: Dense, out: Dense): void {
    this.times(this.byRows, Y, out);
  }

  /** out = Rᵀ·Y (items x stride) for Y users x stride. */
  timesUsers(Y: Dense, out: Dense): void {
    this.times(this.byColumns, Y, out);
  }

  /** One HALS pass over the rows of X against RY and the Gram matrix of the other factor. */
  hals(X: Dense, RY: Dense, gram: Dense, l2: number, l1: number): void {
    if (X.rows === 0 || X.width === 0) return;
    if (this.threads) {
      const parts = equalRows(X.rows, this.threads.threads);
      this.threads.hals(X.at, RY.at, gram.at, X.width, X.stride * 8, l2, l1 / 2, parts);
    } else this.kernels.hals(X.at, RY.at, gram.at, X.rows, X.width, X.stride * 8, l2, l1 / 2);
  }

  /** out = XᵀX (width x width, padded like X). */
  gram(X: Dense, out: Dense): Dense {
    sumGram(this.kernels, this.threads, X.at, X.rows, X.width, X.stride * 8, out.data, this.gramPartials);
    return out;
  }

  /** Stops the helper threads; the kernels must not be used afterwards. */
  close(): void {
    this.threads?.close();
  }

  private times(side: Compressed, Y: Dense, out: Dense): void {
    if (Y.stride !== out.stride || out.rows !== side.rows) throw new Error("sparse product: shapes differ");
    if (side.rows === 0) return;
    const stride = out.stride * 8;
    if (this.threads) {
      const parts = equalEntries(side.rowPtr, this.threads.threads);
      this.threads.sparseTimes(side.ptr, side.idx, side.values, Y.at, out.at, stride, parts);
    } else this.kernels.sparseTimes(side.ptr, side.idx, side.values, Y.at, out.at, side.rows, stride);
  }
}

/** Where one orientation of R lives in the memory. */
interface Compressed {
  /** The row pointers in JavaScript, to split rows by entries. */
  rowPtr: Int32Array;
  ptr: number;
  idx: number;
  values: number;
  rows: number;
}

/** The SIMD loops take eight Float64 columns at a time. */
function paddedWidth(width: number): number {
  return Math.max(8, Math.ceil(width / 8) * 8);
}

/** Consecutive 16-byte-aligned regions of one memory. */
class Layout {
  size = 0;

  take(bytes: number): number {
    const at = this.size;
    this.size = align16(at + bytes);
    return at;
  }
}
