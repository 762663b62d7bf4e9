import { KERNELS_WASM } from "./kernels.wasm";

/**
 * The SIMD hot loops of the factor models (NMF training, ALS row solves, scoring) as one WebAssembly module, written as text in
 * kernels/kernels.wat and assembled by wabt (`npm run kernels`) into kernels/kernels.wasm.ts. Node 20
 * runs 128-bit SIMD everywhere, Lambda included. V8 has no SIMD for JavaScript; measured against the
 * best plain loops: scoring 20k x 64 about 5x faster, the sparse products about 8x, HALS passes about 10x.
 *
 *   dot(query, rows, out, count, strideBytes): out[i] = query · rows[i], Float32, four lanes,
 *     two accumulators; strideBytes a positive multiple of 32.
 *   sparseTimes(ptr, idx, values, Y, out, rows, strideBytes): out = S·Y for S in compressed rows
 *     (Int32 ptr/idx, Float64 values) and Float64 dense Y/out rows; per row, eight columns at a time
 *     in four f64x2 accumulators; strideBytes a positive multiple of 64.
 *   hals(X, RY, gram, rows, k, strideBytes, l2, l1Half): one HALS pass over the rows of X (see
 *     src/nmf/factorize.ts), Float64, gradients as f64x2 dot products over the padded rows.
 *   gram(X, rows, k, strideBytes, out): out += XᵀX (k rows of strideBytes), skipping zero entries;
 *     the upper triangle only (and the pairs of columns astride the diagonal): fillLower completes it.
 *   alsRows(X, Y, gram, ptr, idx, values, rows, strideBytes, lambdas, alpha, steps, scratch, k):
 *     conjugate-gradient steps of implicit-ALS rows (src/als/train.ts) in compressed rows (Int32
 *     ptr/idx, Float64 values, a Float64 λ per row), skipping those with 4·entries² ≤ k; Float64, strideBytes a positive
 *     multiple of 32; scratch holds three rows.
 *   timesRows(M, Y, Z, idx, count, strideBytes): Z[i] = M·Y[i] for the count rows i listed in idx
 *     (Int32), M symmetric, Float64 rows of strideBytes (a positive multiple of 32): the M⁻¹y_i of
 *     ALS's exact row solves.
 *   choleskyColumns(A, strideBytes, j0, j1, from, to): for each column j in [j0, j1) and row i in
 *     [from, to), A[i,j] = (A[i,j] − A_i[0..j)·A_j[0..j)) / A[j,j]: columns of a Cholesky factor,
 *     row by row (large-cholesky.ts).
 *   inverseSteps(W, L, strideBytes, p0, p1, from, to): for each p in [p0, p1) and row i in [from, to),
 *     W_i[0..p] −= L[i,p]·W_p[0..p]: steps of a lower triangle's inverse (large-cholesky.ts). These two
 *     take rows of any length and empty ranges, and need every i > j (or p).
 * All the others need count/rows/k > 0 and zero padding columns. Addresses are byte offsets into the memory
 * imported as "e"."m", 16-byte aligned. The memory is shared (a SharedArrayBuffer), so that worker
 * threads running the same module on it can split a training epoch (kernel-threads.ts).
 */
export interface Kernels {
  memory: WebAssemblyMemory;
  /** The compiled module, for worker threads that bind it to the same memory. */
  module: object;
  dot: (query: number, rows: number, out: number, count: number, strideBytes: number) => void;
  sparseTimes: (
    ptr: number,
    idx: number,
    values: number,
    Y: number,
    out: number,
    rows: number,
    strideBytes: number,
  ) => void;
  hals: (
    X: number,
    RY: number,
    gram: number,
    rows: number,
    k: number,
    strideBytes: number,
    l2: number,
    l1Half: number,
  ) => void;
  gram: (X: number, rows: number, k: number, strideBytes: number, out: number) => void;
  alsRows: (
    X: number,
    Y: number,
    gram: number,
    ptr: number,
    idx: number,
    values: number,
    rows: number,
    strideBytes: number,
    lambdas: number,
    alpha: number,
    steps: number,
    scratch: number,
    k: number,
  ) => void;
  timesRows: (M: number, Y: number, Z: number, idx: number, count: number, strideBytes: number) => void;
  choleskyColumns: (A: number, strideBytes: number, j0: number, j1: number, from: number, to: number) => void;
  inverseSteps: (
    W: number,
    L: number,
    strideBytes: number,
    p0: number,
    p1: number,
    from: number,
    to: number,
  ) => void;
}

/** A fresh shared memory of at least `bytes` with the kernels bound to it. */
export function instantiateKernels(bytes: number): Kernels {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM, "base64"));
  const { exports } = new WebAssembly.Instance(compiled, { e: { m: memory } });
  return {
    memory,
    module: compiled,
    dot: exports.d as Kernels["dot"],
    sparseTimes: exports.t as Kernels["sparseTimes"],
    hals: exports.h as Kernels["hals"],
    gram: exports.g as Kernels["gram"],
    alsRows: exports.r as Kernels["alsRows"],
    timesRows: exports.m as Kernels["timesRows"],
    choleskyColumns: exports.c as Kernels["choleskyColumns"],
    inverseSteps: exports.v as Kernels["inverseSteps"],
  };
}

/** Completes a Gram matrix from the gram kernel: its lower triangle from the upper (k rows of `stride` Float64s). */
export function fillLower(gram: Float64Array, k: number, stride: number): void {
  for (let f = 1; f < k; f++) for (let g = 0; g < f; g++) gram[f * stride + g] = gram[g * stride + f]!;
}

/** Rounds a byte offset up to 16, the alignment of a v128. */
export function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

export interface WebAssemblyMemory {
  buffer: ArrayBufferLike;
}

/** The WebAssembly globals used here: Node has them, but @types/node 20 does not declare them. */
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WebAssemblyMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

let compiled: object | undefined;
