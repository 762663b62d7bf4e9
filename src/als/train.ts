import { trainedModelOf, trainingMatrix, type ModelFamily, type TrainOptions } from "../factors/family";
import type { FactorModel } from "../factors/model";
import { seededRandom } from "../factors/random";
import type { InteractionMatrix } from "../factors/sparse";
import {
  alsRowsPart,
  equalEntries,
  KernelThreads,
  sumGram,
  type AlsRowsCall,
} from "../factors/kernels/kernel-threads";
import { align16, instantiateKernels, type Kernels } from "../factors/kernels/wasm-kernels";
import { cholesky, choleskySolve, invertLower } from "../factors/linalg";
import { alsFoldIn, rowPenalty } from "./solve";
import type { AlsParams } from "./types";

/**
 * Conjugate-gradient steps per row and epoch, warm-started from the row's previous vector
 * (Takács, Pilászy and Tikk 2011): three make an epoch O(nnz·k + rows·k²) instead of a Cholesky's
 * O(nnz·k² + rows·k³), and are as good for ranking after a few epochs.
 */
const CG_STEPS = 3;

/**
 * Implicit-feedback matrix factorization (Hu, Koren and Volinsky 2008): minimises
 *   Σ over all user-item pairs c·(p − x_u·y_i)² + Σ over users and items λ_r·|v_r|²
 * with p = 1 and c = 1 + α·w for an interaction of weight w, p = 0 and c = 1 for every other pair,
 * and λ_r the penalty of a row of n_r interactions (rowPenalty: λ when ν = 0).
 * The other pairs are never enumerated: their part of each row's normal equations is the Gram
 * matrix of the other side, computed once per half-epoch. Alternates users and items.
 */
export function trainAls(
  interactions: InteractionMatrix,
  params: AlsParams,
  options: TrainOptions = {},
): FactorModel<AlsParams> {
  const started = Date.now();
  const matrix = trainingMatrix(interactions);
  // Only the training parameters: callers may pass a wider config object.
  const { components: k, iterations, regularization, alpha, seed } = params;
  const regularizationExponent = params.regularizationExponent ?? 0;
  const resolved: AlsParams = {
    components: k,
    iterations,
    regularization,
    regularizationExponent,
    alpha,
    seed,
  };
  // Below this many interactions an epoch takes milliseconds: helper threads would cost more.
  const threads = matrix.values.length >= MIN_ENTRIES_FOR_THREADS ? (options.threads ?? 1) : 1;
  const space = new AlsWorkspace(matrix, k, threads);
  try {
    return trainIn(space, matrix, resolved, options, started);
  } finally {
    space.close();
  }
}

const MIN_ENTRIES_FOR_THREADS = 50_000;

function trainIn(
  space: AlsWorkspace,
  matrix: InteractionMatrix,
  resolved: AlsParams,
  options: TrainOptions,
  started: number,
): FactorModel<AlsParams> {
  const { components: k, iterations, seed } = resolved;
  const m = matrix.userIds.length;
  const n = matrix.itemIds.length;
  const random = seededRandom(seed);
  space.prepare(resolved);
  // Small random starts (Rendle et al. 2021: σ ≈ 0.1/√k) break the symmetry without dominating λ.
  space.setRows(space.X, gaussian(m * k, 0.1 / Math.sqrt(k), random));
  space.setRows(space.Y, gaussian(n * k, 0.1 / Math.sqrt(k), random));
  let loss = NaN;
  // YᵀY serves the loss of one epoch and the user pass of the next (Y does not change in between).
  let gramY = space.gram(space.Y);
  for (let iteration = 1; iteration <= iterations; iteration++) {
    space.solveRows(space.X, space.Y, gramY, space.byUsers, resolved);
    space.solveRows(space.Y, space.X, space.gram(space.X), space.byItems, resolved);
    gramY = space.gram(space.Y);
    // The loss costs about a tenth of an epoch: only for a progress report and the manifest.
    if (options.onProgress || iteration === iterations) loss = implicitLoss(space, gramY, resolved);
    options.onProgress?.({ iteration, loss, elapsedMs: Date.now() - started });
  }
  return trainedModelOf(
    als,
    matrix,
    { userFactors: space.rowsOf(space.X), itemFactors: space.rowsOf(space.Y) },
    resolved,
    { iterations, loss, startedAt: started },
    options,
  );
}

export const als: ModelFamily<AlsParams> = {
  name: "ALS",
  paramNames: ["components", "iterations", "regularization", "regularizationExponent", "alpha", "seed"],
  searchSpace: {
    components: [16, 20, 24, 32, 48, 64, 96, 128, 192, 256],
    // ν is not searched: with it (or with finer λ and α steps) 18 trials found worse settings on the
    // planted sets of bench:quality (1M events 0.588 -> 0.562 NDCG@10): more room, the same budget.
    regularization: [0.1, 1, 3, 10, 30, 100],
    alpha: [0.3, 1, 3, 10],
    iterations: [8, 15, 25],
  },
  foldInUsesGram: true,
  foldIn: alsFoldIn,
  train: trainAls,
};

/**
 * The rows solved exactly (Woodbury) rather than by CG steps are those with 4·entries² ≤ this limit (the
 * kernel's k argument). A row costs n² k + n³/3 exactly against about 4 (k² + 2 n k) by CG, which the
 * kernel runs several times faster than plain loops: the crossover measured at k = 64 and 128 is near
 * n² = k/4, given M⁻¹y cached once per item for the whole pass. With a penalty per entry count (ν > 0)
 * each count has its own M and its own cache, and measured at k = 192 on MovieLens only rows of at most
 * one entry stay cheaper exactly.
 */
export function exactRowLimit(k: number, p: AlsParams): number {
  return (p.regularizationExponent ?? 0) > 0 ? Math.min(k, 4) : k;
}

export function solvedExactly(entries: number, limit: number): boolean {
  return 4 * entries * entries <= limit;
}

/** The most entries a row solved exactly under `limit` can have. */
function maxExactEntries(limit: number): number {
  return Math.floor(Math.sqrt(limit / 4));
}

/** One side of the interactions in compressed rows: a row's other-side indexes and weights. */
interface Rows {
  ptr: Int32Array;
  idx: Int32Array;
  values: Float64Array;
  /** Each row's L2 penalty (rowPenalty). */
  lambdas: Float64Array;
  /** The rows solved exactly (ExactRows), fixed for a training like the penalties. */
  exact: ExactGroup[];
}

/** Rows of one penalty solved exactly, and the rows of the other side they use (each once). */
interface ExactGroup {
  lambda: number;
  rows: number[];
  uses: Int32Array;
}

/** The rows with 4·entries² ≤ limit, grouped by penalty. */
function exactGroups(
  { ptr, idx, lambdas }: Omit<Rows, "exact">,
  limit: number,
  otherRows: number,
): ExactGroup[] {
  const byPenalty = new Map<number, number[]>();
  for (let row = 0; row < ptr.length - 1; row++) {
    if (!solvedExactly(ptr[row + 1]! - ptr[row]!, limit)) continue;
    const same = byPenalty.get(lambdas[row]!);
    if (same) same.push(row);
    else byPenalty.set(lambdas[row]!, [row]);
  }
  return [...byPenalty].map(([lambda, rows]) => {
    const listed = new Uint8Array(otherRows);
    const uses: number[] = [];
    for (const row of rows)
      for (let e = ptr[row]!; e < ptr[row + 1]!; e++)
        if (!listed[idx[e]!]) {
          listed[idx[e]!] = 1;
          uses.push(idx[e]!);
        }
    return { lambda, rows, uses: Int32Array.from(uses) };
  });
}

/**
 * The factors, the Gram matrix and both sides of the interactions in the memory of the WebAssembly
 * kernels, whose f64x2 conjugate-gradient steps are the hot loop. Rows are `width` Float64s: k
 * rounded up to a multiple of 4 (the kernel's 32 bytes); the padding columns start at zero and stay
 * zero (their entries of the right-hand side and of the Gram matrix are zero).
 */
class AlsWorkspace {
  readonly width: number;
  readonly X: Float64Array;
  readonly Y: Float64Array;
  readonly byUsers: Rows;
  readonly byItems: Rows;
  private readonly kernels: Kernels;
  private readonly threads?: KernelThreads;
  private readonly gramOut: Float64Array;
  /** Where the helper threads sum their parts of a Gram matrix. */
  private readonly gramPartials: number[];
  private readonly exact: ExactRows;
  /** The rows with 4·entries² ≤ limit are solved exactly (prepare); 0: none. */
  private limit = 0;
  /** Three scratch rows per thread. */
  private readonly scratch: number;
  /** Per side (users, items): the calling thread's short-row time and CG rate in its last pass. */
  private readonly balance = [0, 1].map(() => ({ shortMs: 0, unitsPerMs: 0 }));

  constructor(
    matrix: InteractionMatrix,
    private readonly k: number,
    threads: number,
  ) {
    this.width = Math.ceil(k / 4) * 4;
    const rowBytes = this.width * 8;
    const nnz = matrix.values.length;
    const [m, n] = [matrix.userIds.length, matrix.itemIds.length];
    const layout = {
      X: m * rowBytes,
      Y: n * rowBytes,
      gram: this.width * rowBytes,
      // Where the helper threads sum their parts of a Gram matrix.
      gramPartials: (threads - 1) * this.width * rowBytes,
      scratch: 3 * threads * rowBytes,
      userValues: nnz * 8,
      itemValues: nnz * 8,
      userIdx: nnz * 4,
      itemIdx: nnz * 4,
      userPtr: (m + 1) * 4,
      itemPtr: (n + 1) * 4,
      userLambdas: m * 8,
      itemLambdas: n * 8,
      // The exact solves of short rows (ExactRows): M⁻¹, L⁻¹, and z = M⁻¹y for either side's rows.
      inverse: this.width * rowBytes,
      lower: this.width * rowBytes,
      Z: Math.max(m, n) * rowBytes,
      zRows: Math.max(m, n) * 4,
    };
    const at: Record<string, number> = {};
    let end = 0;
    for (const [name, bytes] of Object.entries(layout)) {
      at[name] = end;
      end += align16(bytes);
    }
    this.kernels = instantiateKernels(end);
    const { buffer } = this.kernels.memory;
    this.X = new Float64Array(buffer, at.X, m * this.width);
    this.Y = new Float64Array(buffer, at.Y, n * this.width);
    this.gramOut = new Float64Array(buffer, at.gram, this.width * this.width);
    this.gramPartials = Array.from(
      { length: threads - 1 },
      (_, t) => at.gramPartials! + t * this.width * rowBytes,
    );
    this.scratch = at.scratch!;
    const side = (from: Omit<Rows, "lambdas" | "exact">, prefix: "user" | "item"): Rows => {
      const rows = {
        ptr: new Int32Array(buffer, at[`${prefix}Ptr`], from.ptr.length),
        idx: new Int32Array(buffer, at[`${prefix}Idx`], nnz),
        values: new Float64Array(buffer, at[`${prefix}Values`], nnz),
        lambdas: new Float64Array(buffer, at[`${prefix}Lambdas`], from.ptr.length - 1),
        exact: [],
      };
      rows.ptr.set(from.ptr);
      rows.idx.set(from.idx);
      rows.values.set(from.values);
      return rows;
    };
    this.byUsers = side({ ptr: matrix.rowPtr, idx: matrix.colIdx, values: matrix.values }, "user");
    this.byItems = side({ ptr: matrix.colPtr, idx: matrix.rowIdx, values: matrix.columnValues }, "item");
    this.exact = new ExactRows(
      this.kernels,
      this.width,
      { inverse: at.inverse!, lower: at.lower!, Z: at.Z!, zRows: at.zRows! },
      Math.max(m, n),
      // exactRowLimit is at most k.
      maxExactEntries(k),
    );
    if (threads > 1) this.threads = new KernelThreads(this.kernels, threads);
  }

  /** What stays fixed for a training: each row's λ (from its entries and its side's average), the exact rows. */
  prepare(p: AlsParams): void {
    // Without confidence weights (α = 0) Woodbury does not apply: every row takes CG steps.
    this.limit = p.alpha > 0 ? exactRowLimit(this.k, p) : 0;
    for (const [rows, other] of [
      [this.byUsers, this.byItems],
      [this.byItems, this.byUsers],
    ] as const) {
      const mean = rows.idx.length / Math.max(1, rows.lambdas.length);
      for (let r = 0; r < rows.lambdas.length; r++)
        rows.lambdas[r] = rowPenalty(p, rows.ptr[r + 1]! - rows.ptr[r]!, mean);
      rows.exact = this.limit > 0 ? exactGroups(rows, this.limit, other.lambdas.length) : [];
    }
  }

  /** Stops the helper threads. */
  close(): void {
    this.threads?.close();
  }

  /** Writes rows of k values into the padded rows of `into`. */
  setRows(into: Float64Array, rows: Float64Array): void {
    const { k, width } = this;
    for (let r = 0; r < rows.length / k; r++) into.set(rows.subarray(r * k, (r + 1) * k), r * width);
  }

  /** The rows of k values (padding dropped). */
  rowsOf(from: Float64Array): Float64Array {
    const { k, width } = this;
    const out = new Float64Array((from.length / width) * k);
    for (let r = 0; r < from.length / width; r++) out.set(from.subarray(r * width, r * width + k), r * k);
    return out;
  }

  /** FᵀF for X or Y: a view over the kernel memory, overwritten by the next call. */
  gram(F: Float64Array): Float64Array {
    const { width } = this;
    sumGram(
      this.kernels,
      this.threads,
      F.byteOffset,
      F.length / width,
      width,
      width * 8,
      this.gramOut,
      this.gramPartials,
    );
    return this.gramOut;
  }

  /**
   * Updates every row of X against the fixed Y (its Gram matrix YᵀY given), solving
   *   (M + Σ α·w·y·yᵀ) x = Σ (1 + α·w)·y,   M = YᵀY + λ_r·I,
   * where the sums run over the row's entries only. A row of few entries (most items, light
   * users) is solved exactly through the Woodbury identity with M⁻¹, shared by every row of the
   * pass with the same penalty; the others take a few conjugate-gradient steps in the kernel, split
   * over the threads.
   */
  solveRows(X: Float64Array, Y: Float64Array, gram: Float64Array, rows: Rows, p: AlsParams): void {
    const { width } = this;
    const { ptr, idx, values } = rows;
    const count = ptr.length - 1;
    if (count === 0) return;
    const solveShortRows = (): void => this.exact.solve(X, Y, gram, rows, p.alpha);
    const call: AlsRowsCall = {
      X: X.byteOffset,
      Y: Y.byteOffset,
      gram: gram.byteOffset,
      ptr: ptr.byteOffset,
      idx: idx.byteOffset,
      values: values.byteOffset,
      strideBytes: width * 8,
      lambdas: rows.lambdas.byteOffset,
      alpha: p.alpha,
      steps: CG_STEPS,
      scratch: this.scratch,
      // The kernel leaves the short rows (4·entries² ≤ limit) to solveShortRows; with 0 none.
      k: this.limit,
    };
    if (!this.threads) {
      solveShortRows();
      alsRowsPart(this.kernels, call, [0, count]);
      return;
    }
    // The calling thread solves the short rows while the helpers start on theirs, so it takes fewer
    // CG rows: as many fewer as it spent on the short rows of this side's previous pass, converted
    // at its own CG rate. Rows are independent, so the split never changes the result.
    const side = rows === this.byUsers ? 0 : 1;
    const balance = this.balance[side]!;
    let shortMs = 0;
    // A row's CG steps cost about k² + 2·entries·k: k/2 per row besides its entries.
    const parts = equalEntries(ptr, this.threads.threads, width / 2, balance.shortMs * balance.unitsPerMs);
    const ownMs = this.threads.alsRows(call, parts, () => {
      const started = performance.now();
      solveShortRows();
      shortMs = performance.now() - started;
    });
    const [first, end] = parts[0]!;
    const ownUnits = ptr[end]! - ptr[first]! + ((end - first) * width) / 2;
    if (ownMs > 0 && ownUnits > 0) balance.unitsPerMs = ownUnits / ownMs;
    balance.shortMs = shortMs;
  }
}

/**
 * Exact solves of the rows with few entries, (M + U·E·Uᵀ) x = U·c for a row whose n entries are the
 * columns y_j of U (E = diag(α·w), c = 1 + α·w), by the Woodbury identity: with z_j = M⁻¹y_j and
 * K = UᵀM⁻¹U,
 *   x = Σ_j (c_j − v_j)·z_j   where   (E⁻¹ + K)·v = K·c,
 * an n x n system. Per pass and penalty, M = YᵀY + λI is inverted once and each z_j computed once in
 * the kernel, for every row of Y the short rows use.
 */
class ExactRows {
  private readonly inverse: Float64Array;
  /** The Cholesky factor L of M, then L⁻¹ (M⁻¹ = L⁻ᵀL⁻¹, the Gram matrix of L⁻¹'s rows). */
  private readonly lower: Float64Array;
  private readonly Z: Float64Array;
  /** The rows of Y whose z the kernel computes. */
  private readonly zRows: Int32Array;
  /** K, then E⁻¹ + K, of the row being solved (n x n), and K·c. */
  private readonly system: Float64Array;
  private readonly rhs: Float64Array;

  constructor(
    private readonly kernels: Kernels,
    private readonly width: number,
    at: { inverse: number; lower: number; Z: number; zRows: number },
    otherRows: number,
    maxEntries: number,
  ) {
    const { buffer } = kernels.memory;
    this.inverse = new Float64Array(buffer, at.inverse, width * width);
    this.lower = new Float64Array(buffer, at.lower, width * width);
    this.Z = new Float64Array(buffer, at.Z, otherRows * width);
    this.zRows = new Int32Array(buffer, at.zRows, otherRows);
    this.system = new Float64Array(maxEntries * maxEntries);
    this.rhs = new Float64Array(maxEntries);
  }

  /** Solves the exact rows of X (rows.exact) against Y, a penalty at a time. */
  solve(X: Float64Array, Y: Float64Array, gram: Float64Array, rows: Rows, alpha: number): void {
    const { ptr, idx, values } = rows;
    const { width } = this;
    for (const group of rows.exact) {
      this.invert(gram, group.lambda);
      this.zRows.set(group.uses);
      if (group.uses.length > 0)
        this.kernels.timesRows(
          this.inverse.byteOffset,
          Y.byteOffset,
          this.Z.byteOffset,
          this.zRows.byteOffset,
          group.uses.length,
          width * 8,
        );
      for (const row of group.rows)
        this.solveRow(
          Y,
          idx.subarray(ptr[row]!, ptr[row + 1]!),
          values.subarray(ptr[row]!, ptr[row + 1]!),
          alpha,
          X.subarray(row * width, (row + 1) * width),
        );
    }
  }

  /** inverse = (gram + λI)⁻¹. */
  private invert(gram: Float64Array, lambda: number): void {
    const { width: k, lower, inverse } = this;
    lower.set(gram);
    for (let f = 0; f < k; f++) lower[f * k + f]! += lambda;
    cholesky(lower, k);
    invertLower(lower, k);
    sumGram(this.kernels, undefined, lower.byteOffset, k, k, k * 8, inverse, []);
  }

  private solveRow(
    Y: Float64Array,
    items: Int32Array,
    weights: Float64Array,
    alpha: number,
    x: Float64Array,
  ): void {
    const { width: k, Z, system: S, rhs } = this;
    const n = items.length;
    for (let i = 0; i < n; i++) {
      const y = items[i]! * k;
      for (let j = 0; j <= i; j++) {
        const z = items[j]! * k;
        let s = 0;
        for (let f = 0; f < k; f++) s += Y[y + f]! * Z[z + f]!;
        S[i * n + j] = S[j * n + i] = s;
      }
    }
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += S[i * n + j]! * (1 + alpha * weights[j]!);
      rhs[i] = s;
    }
    for (let i = 0; i < n; i++) S[i * n + i]! += 1 / (alpha * weights[i]!);
    const v = choleskySolve(S.subarray(0, n * n), rhs.subarray(0, n), n);
    x.fill(0);
    for (let j = 0; j < n; j++) {
      const scale = 1 + alpha * weights[j]! - v[j]!;
      const z = items[j]! * k;
      for (let f = 0; f < k; f++) x[f]! += scale * Z[z + f]!;
    }
  }
}

/** out = (G + λI)·v for the k x k matrix G. */
function product(G: Float64Array, v: ArrayLike<number>, k: number, lambda: number, out: Float64Array): void {
  for (let f = 0; f < k; f++) {
    let s = lambda * v[f]!;
    const row = f * k;
    for (let g = 0; g < k; g++) s += G[row + g]! * v[g]!;
    out[f] = s;
  }
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  let s = 0;
  for (let f = 0; f < k; f++) s += a[f]! * b[f]!;
  return s;
}

/**
 * The objective, with the unobserved pairs summed through the Gram matrix:
 *   Σ_u x_uᵀ(YᵀY)x_u + Σ over interactions [c·(1 − ŷ)² − ŷ²] + Σ over rows λ_r·|v_r|².
 */
function implicitLoss(
  { X, Y, byUsers: rows, byItems, width: k }: AlsWorkspace,
  gram: Float64Array,
  p: AlsParams,
): number {
  const Gx = new Float64Array(k);
  let loss = 0;
  for (let row = 0; row < rows.ptr.length - 1; row++) {
    const x = X.subarray(row * k, (row + 1) * k);
    product(gram, x, k, 0, Gx);
    loss += dot(x, Gx, k);
    for (let e = rows.ptr[row]!; e < rows.ptr[row + 1]!; e++) {
      const predicted = dot(x, Y.subarray(rows.idx[e]! * k), k);
      loss += (1 + p.alpha * rows.values[e]!) * (1 - predicted) ** 2 - predicted ** 2;
    }
  }
  const penalty = (F: Float64Array, lambdas: Float64Array): number =>
    lambdas.reduce((sum, lambda, r) => sum + lambda * dot(F.subarray(r * k), F.subarray(r * k), k), 0);
  return loss + penalty(X, rows.lambdas) + penalty(Y, byItems.lambdas);
}

/** Normal draws (Box-Muller) from the seeded generator. */
function gaussian(length: number, sigma: number, random: () => number): Float64Array {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i += 2) {
    const radius = sigma * Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    out[i] = radius * Math.cos(angle);
    if (i + 1 < length) out[i + 1] = radius * Math.sin(angle);
  }
  return out;
}
