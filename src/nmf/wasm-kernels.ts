/**
 * The SIMD hot loops of the NMF engine as one WebAssembly module, assembled here byte by byte (no
 * toolchain at build time; Node 20 runs 128-bit SIMD everywhere, Lambda included). V8 has no SIMD
 * for JavaScript; measured against the best plain loops: scoring 20k x 64 about 5x faster, the
 * sparse products about 8x, HALS passes about 10x.
 *
 *   dot(query, rows, out, count, strideBytes): out[i] = query · rows[i], Float32, four lanes,
 *     two accumulators; strideBytes a positive multiple of 32.
 *   dot4(queries, rows, out, count, strideBytes): the same for four queries at once (one stride
 *     apart), out[4i + q], each row loaded once for all four: the item-neighbour precompute.
 *   sparseTimes(ptr, idx, values, Y, out, rows, strideBytes): out = S·Y for S in compressed rows
 *     (Int32 ptr/idx, Float64 values) and Float64 dense Y/out rows; per row, eight columns at a time
 *     in four f64x2 accumulators; strideBytes a positive multiple of 64.
 *   hals(X, RY, gram, rows, k, strideBytes, l2, l1Half): one HALS pass over the rows of X (see
 *     factorize.ts), Float64, gradients as f64x2 dot products over the padded rows.
 *   gram(X, rows, k, strideBytes, out): out += XᵀX (k rows of strideBytes), skipping zero entries.
 * All need count/rows/k > 0 and zero padding columns. Addresses are byte offsets into the memory
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
  dot4: (queries: number, rows: number, out: number, count: number, strideBytes: number) => void;
}

/** A fresh shared memory of at least `bytes` with the kernels bound to it. */
export function instantiateKernels(bytes: number): Kernels {
  const pages = Math.max(1, Math.ceil(bytes / 65536));
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  compiled ??= new WebAssembly.Module(MODULE);
  const { exports } = new WebAssembly.Instance(compiled, { e: { m: memory } });
  return {
    memory,
    module: compiled,
    dot: exports.d as Kernels["dot"],
    sparseTimes: exports.t as Kernels["sparseTimes"],
    hals: exports.h as Kernels["hals"],
    gram: exports.g as Kernels["gram"],
    dot4: exports.q as Kernels["dot4"],
  };
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

const SIMD = 0xfd;
const GET = 0x20;
const SET = 0x21;
const TEE = 0x22;
const CONST = 0x41;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_MUL = 0x6c;
const I32_SHL = 0x74;
const I32_LT_U = 0x49;
const I32_GE_U = 0x4f;
const I32_LOAD = 0x28;
const F64_LOAD = 0x2b;
const F32_ADD = 0x92;
const F32_STORE = 0x38;
const F64_STORE = 0x39;
const F64_ADD = 0xa0;
const F64_SUB = 0xa1;
const F64_MUL = 0xa2;
const F64_DIV = 0xa3;
const F64_GT = 0x64;
const F64_EQ = 0x61;
const F64_CONST_ZERO = [0x44, 0, 0, 0, 0, 0, 0, 0, 0];
/** 1e-30 as a little-endian f64: below it, values flush to zero (denormals are very slow). */
const F64_CONST_TINY = [0x44, ...new Uint8Array(new Float64Array([1e-30]).buffer)];
const SELECT = 0x1b;
const I32_LT_S = 0x48;
const F64X2_LANE = (lane: number): number[] => [SIMD, 0x21, lane];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const END = 0x0b;
const BR_IF = 0x0d;
const V128_LOAD = (offset: number): number[] => [SIMD, 0x00, 0x04, offset];
const V128_STORE = (offset: number): number[] => [SIMD, 0x0b, 0x04, offset];
const V128_ZERO = [SIMD, 0x0c, ...new Array<number>(16).fill(0)];
const F32X4_ADD = [SIMD, 0xe4, 0x01];
const F32X4_MUL = [SIMD, 0xe6, 0x01];
const F32X4_LANE = (lane: number): number[] => [SIMD, 0x1f, lane];
const F64X2_SPLAT = [SIMD, 0x14];
const F64X2_ADD = [SIMD, 0xf0, 0x01];
const F64X2_MUL = [SIMD, 0xf2, 0x01];

/** Locals after the 5 params: $f i32 (5), $a v128 (6), $b v128 (7). */
// prettier-ignore
const DOT = [
  0x02, 0x01, 0x7f, 0x02, 0x7b,
  ...LOOP, // $items
  ...V128_ZERO, SET, 6, ...V128_ZERO, SET, 7, CONST, 0, SET, 5,
  ...LOOP, // $dims: a += q[f..f+4] * row[f..f+4]; b += the next four
  GET, 6, GET, 0, GET, 5, I32_ADD, ...V128_LOAD(0), GET, 1, GET, 5, I32_ADD, ...V128_LOAD(0),
  ...F32X4_MUL, ...F32X4_ADD, SET, 6,
  GET, 7, GET, 0, GET, 5, I32_ADD, ...V128_LOAD(16), GET, 1, GET, 5, I32_ADD, ...V128_LOAD(16),
  ...F32X4_MUL, ...F32X4_ADD, SET, 7,
  GET, 5, CONST, 32, I32_ADD, TEE, 5, GET, 4, I32_LT_U, BR_IF, 0,
  END,
  GET, 6, GET, 7, ...F32X4_ADD, SET, 6,
  GET, 2, // out address, then the horizontal sum
  GET, 6, ...F32X4_LANE(0), GET, 6, ...F32X4_LANE(1), F32_ADD,
  GET, 6, ...F32X4_LANE(2), F32_ADD, GET, 6, ...F32X4_LANE(3), F32_ADD,
  F32_STORE, 0x02, 0x00,
  GET, 1, GET, 4, I32_ADD, SET, 1, // next row
  GET, 2, CONST, 4, I32_ADD, SET, 2, // next score
  GET, 3, CONST, 1, I32_SUB, TEE, 3, BR_IF, 0,
  END,
  END,
];

/** out += v * Y[y + offset .. + 16) into accumulator `acc`. */
/**
 * The four f64x2 accumulators of one block of eight columns: locals 13-16. (Sixteen columns in
 * eight accumulators measured no faster: the loads of Y rows dominate.)
 */
const ACCUMULATORS = [13, 14, 15, 16];
const multiplyAdd = (acc: number, offset: number): number[] => [
  GET,
  acc,
  GET,
  12,
  GET,
  11,
  ...V128_LOAD(offset),
  ...F64X2_MUL,
  ...F64X2_ADD,
  SET,
  acc,
];

/**
 * Params as DOT, with four queries one stride apart; locals $f 5, $q1 6, $q2 7, $q3 8 (i32),
 * $a..$d 9-12, $r 13 (v128). Each row is loaded once for the four queries; out[4i + q] = query q · row i.
 */
const DOT4_QUERIES = [9, 10, 11, 12];
const queryAddress = (q: number): number[] => (q === 0 ? [GET, 0] : [GET, 5 + q]);
// prettier-ignore
const DOT4 = [
  0x02, 0x04, 0x7f, 0x05, 0x7b,
  GET, 0, GET, 4, I32_ADD, TEE, 6, GET, 4, I32_ADD, TEE, 7, GET, 4, I32_ADD, SET, 8,
  ...LOOP, // $items
  ...DOT4_QUERIES.flatMap((acc) => [...V128_ZERO, SET, acc]), CONST, 0, SET, 5,
  ...LOOP, // $dims
  GET, 1, GET, 5, I32_ADD, ...V128_LOAD(0), SET, 13,
  ...DOT4_QUERIES.flatMap((acc, q) => [
    GET, acc, ...queryAddress(q), GET, 5, I32_ADD, ...V128_LOAD(0), GET, 13, ...F32X4_MUL, ...F32X4_ADD, SET, acc,
  ]),
  GET, 5, CONST, 16, I32_ADD, TEE, 5, GET, 4, I32_LT_U, BR_IF, 0,
  END,
  ...DOT4_QUERIES.flatMap((acc, q) => [
    GET, 2,
    GET, acc, ...F32X4_LANE(0), GET, acc, ...F32X4_LANE(1), F32_ADD,
    GET, acc, ...F32X4_LANE(2), F32_ADD, GET, acc, ...F32X4_LANE(3), F32_ADD,
    F32_STORE, 0x02, 4 * q,
  ]),
  GET, 1, GET, 4, I32_ADD, SET, 1, // next row
  GET, 2, CONST, 16, I32_ADD, SET, 2, // next four scores
  GET, 3, CONST, 1, I32_SUB, TEE, 3, BR_IF, 0,
  END,
  END,
];

/**
 * Params $ptr 0, $idx 1, $vals 2, $Y 3, $out 4, $rows 5, $stride 6; locals $p 7, $end 8, $f 9,
 * $start 10, $y 11 (i32), $v 12, $acc 13-16 (v128).
 */
// prettier-ignore
const SPARSE_TIMES = [
  0x02, 0x05, 0x7f, 1 + ACCUMULATORS.length, 0x7b,
  ...LOOP, // $rows
  GET, 0, I32_LOAD, 0x02, 0, SET, 10, GET, 0, I32_LOAD, 0x02, 4, SET, 8,
  CONST, 0, SET, 9,
  ...LOOP, // $blocks of eight columns
  ...ACCUMULATORS.flatMap((acc) => [...V128_ZERO, SET, acc]),
  GET, 10, SET, 7,
  ...BLOCK, // $empty
  GET, 7, GET, 8, I32_GE_U, BR_IF, 0,
  ...LOOP, // $entries
  GET, 2, GET, 7, CONST, 3, I32_SHL, I32_ADD, F64_LOAD, 0x03, 0, ...F64X2_SPLAT, SET, 12,
  GET, 1, GET, 7, CONST, 2, I32_SHL, I32_ADD, I32_LOAD, 0x02, 0, GET, 6, I32_MUL,
  GET, 3, I32_ADD, GET, 9, I32_ADD, SET, 11,
  ...ACCUMULATORS.flatMap((acc, i) => multiplyAdd(acc, 16 * i)),
  GET, 7, CONST, 1, I32_ADD, TEE, 7, GET, 8, I32_LT_U, BR_IF, 0,
  END,
  END,
  ...ACCUMULATORS.flatMap((acc, i) => [GET, 4, GET, 9, I32_ADD, GET, acc, ...V128_STORE(16 * i)]),
  GET, 9, CONST, ...sleb(16 * ACCUMULATORS.length), I32_ADD, TEE, 9, GET, 6, I32_LT_U, BR_IF, 0,
  END,
  GET, 0, CONST, 4, I32_ADD, SET, 0, // next row pointer
  GET, 4, GET, 6, I32_ADD, SET, 4, // next output row
  GET, 5, CONST, 1, I32_SUB, TEE, 5, BR_IF, 0,
  END,
  END,
];

/**
 * Params $X 0, $RY 1, $gram 2, $rows 3, $k 4, $stride 5 (i32), $l2 6, $l1Half 7 (f64); locals
 * $f 8, $g 9, $gf 10, $xr 11, $ry 12, $i 13 (i32), $a 14, $b 15 (v128), $x 16, $inv 17 (f64).
 * Factor by factor (rows are independent, so this equals updating row by row, and the rows of one
 * factor pipeline instead of waiting on each other):
 *   inv = 1 / (gram[f][f] + l2), or 0 when that is not positive (x_f then stays);
 *   per row: grad = X·gram[f] + l2·x_f + l1/2 − RY_f; x_f = x_f − grad·inv, flushed to 0 below 1e-30.
 */
const halsMultiplyAdd = (acc: number, offset: number): number[] => [
  GET,
  acc,
  GET,
  11,
  GET,
  9,
  I32_ADD,
  ...V128_LOAD(offset),
  GET,
  10,
  GET,
  9,
  I32_ADD,
  ...V128_LOAD(offset),
  ...F64X2_MUL,
  ...F64X2_ADD,
  SET,
  acc,
];
const factorOf = (row: number): number[] => [GET, row, GET, 8, CONST, 3, I32_SHL, I32_ADD];
// prettier-ignore
const HALS = [
  0x03, 0x06, 0x7f, 0x02, 0x7b, 0x02, 0x7c,
  CONST, 0, SET, 8, GET, 2, SET, 10,
  ...LOOP, // $factors
  // inv = curv > 0 ? 1 / curv : 0
  0x44, ...new Uint8Array(new Float64Array([1]).buffer),
  ...factorOf(10), F64_LOAD, 0x03, 0, GET, 6, F64_ADD, TEE, 17, F64_DIV,
  ...F64_CONST_ZERO, GET, 17, ...F64_CONST_ZERO, F64_GT, SELECT, SET, 17,
  GET, 0, SET, 11, GET, 1, SET, 12, GET, 3, SET, 13,
  ...LOOP, // $rows
  ...V128_ZERO, SET, 14, ...V128_ZERO, SET, 15, CONST, 0, SET, 9,
  ...LOOP, // $dims: a += X[g..g+2] * gram[f][g..g+2]; b += the next two
  ...halsMultiplyAdd(14, 0), ...halsMultiplyAdd(15, 16),
  GET, 9, CONST, 32, I32_ADD, TEE, 9, GET, 5, I32_LT_U, BR_IF, 0,
  END,
  GET, 14, GET, 15, ...F64X2_ADD, SET, 14,
  ...factorOf(11), F64_LOAD, 0x03, 0, SET, 16, // x = X[f]
  ...factorOf(11), // where x_f goes
  GET, 16, // x - grad * inv
  GET, 14, ...F64X2_LANE(0), GET, 14, ...F64X2_LANE(1), F64_ADD,
  GET, 6, GET, 16, F64_MUL, F64_ADD, GET, 7, F64_ADD,
  ...factorOf(12), F64_LOAD, 0x03, 0, F64_SUB,
  GET, 17, F64_MUL, F64_SUB, TEE, 16,
  ...F64_CONST_ZERO, GET, 16, ...F64_CONST_TINY, F64_GT, SELECT,
  F64_STORE, 0x03, 0,
  GET, 11, GET, 5, I32_ADD, SET, 11, GET, 12, GET, 5, I32_ADD, SET, 12,
  GET, 13, CONST, 1, I32_SUB, TEE, 13, BR_IF, 0,
  END,
  GET, 10, GET, 5, I32_ADD, SET, 10, // next gram row
  GET, 8, CONST, 1, I32_ADD, TEE, 8, GET, 4, I32_LT_S, BR_IF, 0,
  END,
  END,
];

/**
 * Params $X 0, $rows 1, $k 2, $stride 3, $out 4; locals $f 5, $g 6, $o 7 (i32), $xf 8 (v128),
 * $x 9 (f64). For every row x and factor f with x_f ≠ 0: out[f] += x_f · x.
 */
// prettier-ignore
const GRAM = [
  0x03, 0x03, 0x7f, 0x01, 0x7b, 0x01, 0x7c,
  ...LOOP, // $rows
  CONST, 0, SET, 5, GET, 4, SET, 7,
  ...LOOP, // $factors
  ...BLOCK, // $zero: skip x_f = 0
  GET, 0, GET, 5, CONST, 3, I32_SHL, I32_ADD, F64_LOAD, 0x03, 0, TEE, 9, ...F64_CONST_ZERO, F64_EQ, BR_IF, 0,
  GET, 9, ...F64X2_SPLAT, SET, 8, CONST, 0, SET, 6,
  ...LOOP, // $dims: out[f][g..g+2] += x_f * X[g..g+2]
  GET, 7, GET, 6, I32_ADD,
  GET, 7, GET, 6, I32_ADD, ...V128_LOAD(0), GET, 8, GET, 0, GET, 6, I32_ADD, ...V128_LOAD(0),
  ...F64X2_MUL, ...F64X2_ADD, ...V128_STORE(0),
  GET, 6, CONST, 16, I32_ADD, TEE, 6, GET, 3, I32_LT_U, BR_IF, 0,
  END,
  END,
  GET, 7, GET, 3, I32_ADD, SET, 7,
  GET, 5, CONST, 1, I32_ADD, TEE, 5, GET, 2, I32_LT_S, BR_IF, 0,
  END,
  GET, 0, GET, 3, I32_ADD, SET, 0,
  GET, 1, CONST, 1, I32_SUB, TEE, 1, BR_IF, 0,
  END,
  END,
];

const I32 = 0x7f;
const F64 = 0x7c;
const section = (id: number, content: number[]): number[] => [id, ...leb(content.length), ...content];
const name = (text: string): number[] => [text.length, ...Array.from(text, (c) => c.charCodeAt(0))];
// prettier-ignore
const MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  ...section(1, [
    3,
    0x60, 5, I32, I32, I32, I32, I32, 0,
    0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0,
    0x60, 8, I32, I32, I32, I32, I32, I32, F64, F64, 0,
  ]),
  // memory: shared (flag 3), at least 0 and at most 65,536 pages (4 GiB)
  ...section(2, [1, ...name("e"), ...name("m"), 0x02, 0x03, 0x00, ...leb(65536)]),
  ...section(3, [5, 0, 1, 2, 0, 0]),
  ...section(7, [
    5,
    ...name("d"), 0x00, 0, ...name("t"), 0x00, 1, ...name("h"), 0x00, 2, ...name("g"), 0x00, 3, ...name("q"), 0x00, 4,
  ]),
  ...section(10, [5, ...[DOT, SPARSE_TIMES, HALS, GRAM, DOT4].flatMap((body) => [...leb(body.length), ...body])]),
]);

/** Signed LEB128, for i32.const. */
function sleb(value: number): number[] {
  const out = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

function leb(value: number): number[] {
  const out = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}
