import { Worker } from "node:worker_threads";
import { fillLower, type Kernels } from "./wasm-kernels";

/** Row ranges [start, end) of one kernel call, one per thread (index 0 is the calling thread). */
export type Parts = Array<[number, number]>;

const enum Op {
  SparseTimes = 1,
  Hals = 2,
  Gram = 3,
  AlsRows = 4,
  Exit = 5,
  CholeskyColumns = 6,
  InverseSteps = 7,
}

// Control words (Int32): 0 generation, 1 threads done, 2 op, 3..13 arguments, RANGES + 2t the rows of
// thread t, OUTS + t the output address of thread t (gram partials).
const ARGS = 3;
const RANGES = 16;
const OUTS = 80;
const CONTROL_WORDS = 128;
export const MAX_THREADS = 32;

/**
 * Each helper thread binds the same compiled module to the same shared memory and waits on the
 * control words; the calling thread posts an operation, does part 0 itself and waits for the rest.
 * Plain JavaScript evaluated in the worker, so it needs no file path (the Lambda bundle is one file).
 */
const HELPER = `
const { workerData } = require("node:worker_threads");
const { module, memory, control, floats, index } = workerData;
const k = new WebAssembly.Instance(module, { e: { m: memory } }).exports;
const c = new Int32Array(control);
const f = new Float64Array(floats);
let seen = 0;
for (;;) {
  Atomics.wait(c, 0, seen);
  seen = Atomics.load(c, 0);
  const op = c[2];
  if (op === ${Op.Exit}) break;
  const r0 = c[${RANGES} + 2 * index], r1 = c[${RANGES} + 2 * index + 1];
  if (r1 > r0) {
    if (op === ${Op.SparseTimes}) k.t(c[3] + 4 * r0, c[4], c[5], c[6], c[7] + r0 * c[8], r1 - r0, c[8]);
    else if (op === ${Op.Hals}) k.h(c[3] + r0 * c[7], c[4] + r0 * c[7], c[5], r1 - r0, c[6], c[7], f[0], f[1]);
    else if (op === ${Op.Gram}) k.g(c[3] + r0 * c[5], r1 - r0, c[4], c[5], c[${OUTS} + index]);
    else if (op === ${Op.AlsRows})
      k.r(c[3] + r0 * c[9], c[4], c[5], c[6] + 4 * r0, c[7], c[8], r1 - r0, c[9], c[13] + 8 * r0, f[1], c[10], c[11] + index * 3 * c[9], c[12]);
    else if (op === ${Op.CholeskyColumns}) k.c(c[3], c[4], c[5], c[6], r0, r1);
    else if (op === ${Op.InverseSteps}) k.v(c[3], c[4], c[5], c[6], c[7], r0, r1);
  }
  Atomics.add(c, 1, 1);
  Atomics.notify(c, 1);
}
`;

/**
 * Splits the kernels' row loops over threads sharing one WebAssembly memory. Rows of a sparse product, an ALS pass
 * or a HALS pass are independent; a Gram matrix is summed from per-thread partials. The calling
 * thread blocks in Atomics.wait while the helpers finish, so training stays synchronous.
 */
export class KernelThreads {
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_WORDS * 4));
  private readonly floats = new Float64Array(new SharedArrayBuffer(16));
  private readonly workers: Worker[];

  constructor(
    private readonly kernels: Kernels,
    readonly threads: number,
  ) {
    if (threads < 2 || threads > MAX_THREADS) throw new Error(`threads must be in 2..${MAX_THREADS}`);
    this.workers = Array.from({ length: threads - 1 }, (_, i) => {
      const worker = new Worker(HELPER, {
        eval: true,
        workerData: {
          module: kernels.module,
          memory: kernels.memory,
          control: this.control.buffer,
          floats: this.floats.buffer,
          index: i + 1,
        },
      });
      worker.unref();
      return worker;
    });
  }

  sparseTimes(
    ptr: number,
    idx: number,
    values: number,
    Y: number,
    out: number,
    strideBytes: number,
    parts: Parts,
  ): void {
    this.run(Op.SparseTimes, [ptr, idx, values, Y, out, strideBytes], parts, ([r0, r1]) =>
      this.kernels.sparseTimes(ptr + 4 * r0, idx, values, Y, out + r0 * strideBytes, r1 - r0, strideBytes),
    );
  }

  hals(
    X: number,
    RY: number,
    gram: number,
    k: number,
    strideBytes: number,
    l2: number,
    l1Half: number,
    parts: Parts,
  ): void {
    this.floats[0] = l2;
    this.floats[1] = l1Half;
    this.run(Op.Hals, [X, RY, gram, k, strideBytes], parts, ([r0, r1]) =>
      this.kernels.hals(
        X + r0 * strideBytes,
        RY + r0 * strideBytes,
        gram,
        r1 - r0,
        k,
        strideBytes,
        l2,
        l1Half,
      ),
    );
  }

  /**
   * out += XᵀX over `rows` rows of X (the kernel's upper triangle), split over the threads: helper t
   * sums its rows into the buffer at partials[t - 1] (in the kernels' memory, out's size), added to out here.
   */
  gram(X: number, rows: number, k: number, strideBytes: number, out: Float64Array, partials: number[]): void {
    const views = partials.map((at) => new Float64Array(this.kernels.memory.buffer, at, out.length).fill(0));
    [out.byteOffset, ...partials].forEach((at, t) => (this.control[OUTS + t] = at));
    this.run(Op.Gram, [X, k, strideBytes], equalRows(rows, this.threads), ([r0, r1]) =>
      this.kernels.gram(X + r0 * strideBytes, r1 - r0, k, strideBytes, out.byteOffset),
    );
    for (const view of views) for (let i = 0; i < out.length; i++) out[i]! += view[i]!;
  }

  /**
   * ALS conjugate-gradient steps over the rows of a pass; thread t uses the three scratch rows at
   * scratch + 3t rows. Rows are independent: the result does not depend on the number of threads.
   * The calling thread runs `meanwhile` before its own part; returns the milliseconds of that part.
   */
  alsRows(call: AlsRowsCall, parts: Parts, meanwhile?: () => void): number {
    const { X, Y, gram, ptr, idx, values, strideBytes, steps, scratch, k, lambdas } = call;
    this.floats[1] = call.alpha;
    let ownMs = 0;
    const args = [X, Y, gram, ptr, idx, values, strideBytes, steps, scratch, k, lambdas];
    this.run(
      Op.AlsRows,
      args,
      parts,
      (part) => {
        const started = performance.now();
        alsRowsPart(this.kernels, call, part);
        ownMs = performance.now() - started;
      },
      meanwhile,
    );
    return ownMs;
  }

  /** Columns [j0, j1) of a Cholesky factor, the rows split over the threads (kernels.wat). */
  choleskyColumns(A: number, strideBytes: number, j0: number, j1: number, parts: Parts): void {
    this.run(Op.CholeskyColumns, [A, strideBytes, j0, j1], parts, ([r0, r1]) =>
      this.kernels.choleskyColumns(A, strideBytes, j0, j1, r0, r1),
    );
  }

  /** Steps [p0, p1) of a lower triangle's inverse, the rows split over the threads (kernels.wat). */
  inverseSteps(W: number, L: number, strideBytes: number, p0: number, p1: number, parts: Parts): void {
    this.run(Op.InverseSteps, [W, L, strideBytes, p0, p1], parts, ([r0, r1]) =>
      this.kernels.inverseSteps(W, L, strideBytes, p0, p1, r0, r1),
    );
  }

  close(): void {
    this.control[2] = Op.Exit;
    Atomics.add(this.control, 0, 1);
    Atomics.notify(this.control, 0);
    for (const worker of this.workers) void worker.terminate();
  }

  private run(
    op: Op,
    args: number[],
    parts: Parts,
    own: (part: [number, number]) => void,
    meanwhile?: () => void,
  ): void {
    const c = this.control;
    c[2] = op;
    args.forEach((value, i) => (c[ARGS + i] = value));
    parts.forEach(([r0, r1], t) => {
      c[RANGES + 2 * t] = r0;
      c[RANGES + 2 * t + 1] = r1;
    });
    Atomics.store(c, 1, 0);
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
    meanwhile?.();
    if (parts[0]![1] > parts[0]![0]) own(parts[0]!);
    for (let done = Atomics.load(c, 1); done < this.workers.length; done = Atomics.load(c, 1))
      Atomics.wait(c, 1, done);
  }
}

/** The arguments of the ALS kernel for a whole pass (addresses and sizes in bytes; see kernels.wat). */
export interface AlsRowsCall {
  X: number;
  Y: number;
  gram: number;
  ptr: number;
  idx: number;
  values: number;
  strideBytes: number;
  /** Float64 per row: the row's L2 penalty λ. */
  lambdas: number;
  alpha: number;
  steps: number;
  scratch: number;
  /** Rows with 4·entries² ≤ k are left to the caller (0: none). */
  k: number;
}

/** The ALS kernel on rows [r0, r1) of a pass. */
export function alsRowsPart(kernels: Kernels, c: AlsRowsCall, [r0, r1]: [number, number]): void {
  kernels.alsRows(
    c.X + r0 * c.strideBytes,
    c.Y,
    c.gram,
    c.ptr + 4 * r0,
    c.idx,
    c.values,
    r1 - r0,
    c.strideBytes,
    c.lambdas + 8 * r0,
    c.alpha,
    c.steps,
    c.scratch,
    c.k,
  );
}

/**
 * out = XᵀX, k x k, for `rows` rows of X (out has X's stride), on the helper threads when there are
 * any (`partials`: a k x k buffer per helper in the kernels' memory).
 */
export function sumGram(
  kernels: Kernels,
  threads: KernelThreads | undefined,
  X: number,
  rows: number,
  k: number,
  strideBytes: number,
  out: Float64Array,
  partials: number[],
): void {
  out.fill(0);
  if (rows > 0 && k > 0) {
    if (threads) threads.gram(X, rows, k, strideBytes, out, partials);
    else kernels.gram(X, rows, k, strideBytes, out.byteOffset);
  }
  fillLower(out, k, strideBytes / 8);
}

/** `threads` row ranges of about equal rows. */
export function equalRows(rows: number, threads: number): Parts {
  return Array.from({ length: threads }, (_, t) => [
    Math.floor((rows * t) / threads),
    Math.floor((rows * (t + 1)) / threads),
  ]);
}

/**
 * `threads` row ranges of about equal work (users' activity is heavy-tailed), a row costing its
 * entries plus `perRow`; the calling thread's range (the first) is `callerBusy` units shorter, for
 * other work it does meanwhile.
 */
export function equalEntries(ptr: Int32Array, threads: number, perRow = 0, callerBusy = 0): Parts {
  const rows = ptr.length - 1;
  const total = ptr[rows]! + perRow * rows;
  const parts: Parts = [];
  let start = 0;
  for (let t = 1; t <= threads; t++) {
    let end = start;
    const target = ((total + callerBusy) * t) / threads - callerBusy;
    while (end < rows && (t === threads || ptr[end]! + perRow * end < target)) end++;
    parts.push([start, end]);
    start = end;
  }
  return parts;
}
