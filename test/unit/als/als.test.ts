import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { als, exactRowLimit, solvedExactly, trainAls } from "../../../src/als/train";
import { rowPenalty } from "../../../src/als/solve";
import { cholesky, choleskySolve, invertLower } from "../../../src/factors/linalg";
import type { AlsParams } from "../../../src/als/types";
import { loadConfig } from "../../../src/config";
import { evaluateRanker, modelRanker, popularityRanker, splitPerUser } from "../../../src/factors/evaluate";
import { trainThroughGate } from "../../../src/jobs/gated-training";
import { seededRandom } from "../../../src/factors/random";
import { interactionMatrix } from "../../../src/factors/sparse";
import { FactorModel } from "../../../src/factors/model";
import { createModelStore, ModelLoadError } from "../../../src/factors/store";
import { TIE, tuneFamily } from "../../../src/factors/tune";
import type { TrainingProgress } from "../../../src/factors/types";
import { trainingSettings } from "../../../src/jobs/train";
import { nmf, trainNmf } from "../../../src/nmf/train";
import { instantiateKernels } from "../../../src/factors/kernels/wasm-kernels";
import { plantedInteractions } from "../factors/planted-data";

const planted = plantedInteractions({ users: 300, items: 200, perUser: 15, topics: 6, seed: 11 });
const data = interactionMatrix(planted);
const params: AlsParams = { components: 8, iterations: 8, regularization: 1, alpha: 3, seed: 42 };
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "als-"));
  dirs.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("trainAls", () => {
  it("is deterministic for a seed, whatever the order of the interactions, and lowers its objective", () => {
    const progress: TrainingProgress[] = [];
    const a = trainAls(data, params, { onProgress: (p) => progress.push(p) });
    const b = trainAls(interactionMatrix([...planted].reverse()), params);
    expect(Array.from(b.arrays.itemFactors)).toEqual(Array.from(a.arrays.itemFactors));
    expect(a.manifest).toMatchObject({ family: "ALS", params });
    expect(progress.map((p) => p.iteration)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(progress.at(-1)!.loss).toBeLessThan(progress[0]!.loss);
    const c = trainAls(data, { ...params, seed: 7 });
    expect(Array.from(c.arrays.itemFactors)).not.toEqual(Array.from(a.arrays.itemFactors));
  });

  it("recovers planted structure: held-out NDCG@10 clearly above popularity, and above NMF of the same size", () => {
    const matrix = interactionMatrix(
      plantedInteractions({ users: 600, items: 300, perUser: 20, topics: 8, seed: 5, noise: 0.2 }),
    );
    const split = splitPerUser(matrix, 0.75, 1);
    const ndcg = (ranker: Parameters<typeof evaluateRanker>[1]) => evaluateRanker(split, ranker).ndcg;
    const popularity = ndcg(popularityRanker(split.train));
    const alsNdcg = ndcg(
      modelRanker(trainAls(split.train, { ...params, components: 16, iterations: 10 }), split.train),
    );
    const nmfNdcg = ndcg(
      modelRanker(
        trainNmf(split.train, { components: 16, iterations: 100, l2: 0.05, l1: 0, seed: 42 }),
        split.train,
      ),
    );
    expect(alsNdcg).toBeGreaterThan(popularity * 1.3);
    expect(alsNdcg).toBeGreaterThan(nmfNdcg);
  });
});

describe("ALS fold-in", () => {
  it.each([0, 0.5])(
    "is the exact least-squares solution of the user's objective over every item (ν = %s)",
    (nu) => {
      const settings = { ...params, regularizationExponent: nu };
      const model = trainAls(data, settings);
      const interactions = new Map([
        ["i3", 1],
        ["i17", 5],
        ["i42", 2],
        ["not-in-model", 9],
      ]);
      const x = model.foldIn(interactions)!;
      // Gradient of Σ_i c_i (p_i − x·y_i)² + λ_u|x|² over the whole catalog, item by item, no Gram trick;
      // λ_u = λ·((1 + 3) / (1 + n̄))^ν: three of the items are in the model, n̄ per training user.
      const { training } = model.manifest;
      const lambda = params.regularization * (4 / (1 + training.interactions / training.users)) ** nu;
      const k = params.components;
      const gradient = new Float64Array(k);
      const { itemIds } = model.manifest;
      itemIds.forEach((itemId, i) => {
        const weight = interactions.get(itemId) ?? 0;
        const confidence = 1 + params.alpha * weight;
        const preference = weight > 0 ? 1 : 0;
        const y = model.arrays.itemFactors.subarray(i * k, (i + 1) * k);
        let predicted = 0;
        for (let f = 0; f < k; f++) predicted += x[f]! * y[f]!;
        for (let f = 0; f < k; f++) gradient[f]! += confidence * (predicted - preference) * y[f]!;
      });
      let size = 0;
      for (let f = 0; f < k; f++) {
        gradient[f]! += lambda * x[f]!;
        size = Math.max(size, Math.abs(x[f]!));
      }
      expect(size).toBeGreaterThan(0.01);
      for (const g of gradient) expect(Math.abs(g)).toBeLessThan(1e-4);
      expect(model.foldIn(new Map([["not-in-model", 1]]))).toBeUndefined();
    },
  );

  it("reads a model stored before ν existed (no regularizationExponent) as ν = 0", () => {
    const model = trainAls(data, { ...params, regularizationExponent: 0 });
    const { regularizationExponent: _absent, ...older } = model.manifest.params;
    const stored = new FactorModel({ ...model.manifest, params: older }, model.arrays, als);
    const interactions = new Map([
      ["i3", 1],
      ["i17", 5],
    ]);
    expect(Array.from(stored.foldIn(interactions)!)).toEqual(Array.from(model.foldIn(interactions)!));
    const scaled = new FactorModel(
      { ...model.manifest, params: { ...older, regularizationExponent: 1 } },
      model.arrays,
      als,
    );
    expect(Array.from(scaled.foldIn(interactions)!)).not.toEqual(Array.from(model.foldIn(interactions)!));
  });
});

describe("ALS training on threads", () => {
  it("gives the factors of one thread (up to the order of Gram sums)", () => {
    const large = interactionMatrix(
      plantedInteractions({ users: 3000, items: 800, perUser: 25, topics: 8, seed: 4 }),
    );
    expect(large.values.length).toBeGreaterThan(50_000);
    // ν > 0: every row has its own penalty, so a thread reading another row's would show.
    const settings = { ...params, components: 12, iterations: 3, regularizationExponent: 0.5 };
    const one = trainAls(large, settings, { threads: 1 });
    const two = trainAls(large, settings, { threads: 2 });
    // A thread reading another row's entries or penalty moves factors by far more than this.
    for (const side of ["userFactors", "itemFactors"] as const) {
      const largest = one.arrays[side].reduce(
        (m, x, i) => Math.max(m, Math.abs(x - two.arrays[side][i]!)),
        0,
      );
      expect(largest).toBeLessThan(1e-6);
    }
  });
});

describe("ALS training's item step", () => {
  it.each([0, 0.5])(
    "solves items with few interactions exactly (Woodbury) against the final user factors (ν = %s)",
    (nu) => {
      // Wide enough that items of up to four users are solved exactly (ν = 0), of one with their own penalty (ν > 0).
      const k = 64;
      const settings = { ...params, components: k, regularizationExponent: nu };
      const withRare = [...planted, { userId: planted[0]!.userId, itemId: "rare", weight: 2 }];
      const model = trainAls(interactionMatrix(withRare), settings);
      const limit = exactRowLimit(k, settings);
      const { userIds, itemIds } = model.manifest;
      const users = new Map(userIds.map((id, u) => [id, u]));
      const byItem = new Map<string, Map<number, number>>();
      for (const x of withRare) {
        const entries = byItem.get(x.itemId) ?? new Map<number, number>();
        const u = users.get(x.userId)!;
        entries.set(u, (entries.get(u) ?? 0) + x.weight);
        byItem.set(x.itemId, entries);
      }
      const X = model.arrays.userFactors;
      let checked = 0;
      itemIds.forEach((itemId, i) => {
        const entries = byItem.get(itemId)!;
        if (!solvedExactly(entries.size, limit)) return;
        const y = model.arrays.itemFactors.subarray(i * k, (i + 1) * k);
        const gradient = Array.from(
          y,
          (v) =>
            rowPenalty(settings, entries.size, model.manifest.training.interactions / itemIds.length) * v,
        );
        for (let u = 0; u < userIds.length; u++) {
          const weight = entries.get(u) ?? 0;
          const x = X.subarray(u * k, (u + 1) * k);
          let predicted = 0;
          for (let f = 0; f < k; f++) predicted += x[f]! * y[f]!;
          const residual = (1 + params.alpha * weight) * (predicted - (weight > 0 ? 1 : 0));
          for (let f = 0; f < k; f++) gradient[f]! += residual * x[f]!;
        }
        for (const g of gradient) expect(Math.abs(g)).toBeLessThan(1e-3);
        checked++;
      });
      expect(checked).toBeGreaterThan(nu > 0 ? 0 : 1);
    },
  );
});

describe("ALS in the model store", () => {
  it("round-trips through its own store; an NMF store refuses it and ignores the ALS folder inside its own", async () => {
    const root = tempDir();
    const alsStore = createModelStore(path.join(root, "als"), als);
    const nmfStore = createModelStore(root, nmf);
    const model = trainAls(data, params);
    await alsStore.save(model);
    await alsStore.promote(model.version);
    const loaded = (await alsStore.loadLatest())!;
    const filter = { exclude: new Set<string>() };
    expect(loaded.recommend(loaded.userVector("u1")!, 5, filter)).toEqual(
      model.recommend(model.userVector("u1")!, 5, filter),
    );
    expect(Array.from(loaded.foldIn(new Map([["i3", 1]]))!)).toEqual(
      Array.from(model.foldIn(new Map([["i3", 1]]))!),
    );
    expect(await nmfStore.versions()).toEqual([]);
    expect(await nmfStore.prune(0)).toEqual([]);
    await expect(createModelStore(path.join(root, "als"), nmf).load(model.version)).rejects.toThrow(
      new ModelLoadError(`model ${model.version} is an ALS model, not NMF`),
    );
  });
});

describe("recs tune's search", () => {
  it("tries the current settings first, screens random draws, runs the best screens in full, refines around the best, and picks the best full trial", () => {
    const options = { trials: 7, seed: 3, fixed: ["components"] };
    const { trials, screens, best } = tuneFamily(data, als, params, options);
    // A budget of 7: a third (3) buys 12 screens at a quarter of the epochs, 4 full trials remain.
    expect(screens).toHaveLength(12);
    expect(trials).toHaveLength(4);
    expect(trials[0]!.params).toEqual(params);
    expect(screens.every((t) => t.screen) && trials.every((t) => !t.screen)).toBe(true);
    // The winner: the cheapest (components x epochs) of the full trials within TIE of the best.
    const top = Math.max(...trials.map((t) => t.ndcg));
    const cost = (t: (typeof trials)[number]) => t.params.components * t.params.iterations;
    expect(trials).toContain(best);
    expect(best.ndcg).toBeGreaterThanOrEqual(top * (1 - TIE));
    for (const trial of trials)
      if (trial.ndcg >= top * (1 - TIE)) expect(cost(best)).toBeLessThanOrEqual(cost(trial));
    for (const trial of [...trials, ...screens]) expect(trial.params.components).toBe(8);
    // Screens draw everything but the epochs, which only a full trial can judge.
    for (const screen of screens) expect(screen.params.iterations).toBe(params.iterations);
    expect(new Set(screens.map((t) => JSON.stringify(t.params))).size).toBe(12);
    const bestScreens = [...screens].sort((a, b) => b.ndcg - a.ndcg).slice(0, 2);
    expect(trials.slice(1, 3).map((t) => t.params)).toEqual(bestScreens.map((t) => t.params));
    expect(new Set(trials.map((t) => JSON.stringify(t.params))).size).toBe(4);
    // Then one or two settings of an earlier full trial (a centre) moved one step.
    const settings = (t: (typeof trials)[number]) => t.params as unknown as Record<string, number>;
    const stepFrom = (from: Record<string, number>, to: Record<string, number>): boolean => {
      const moved = Object.keys(als.searchSpace).filter((name) => to[name] !== from[name]);
      return (
        (moved.length === 1 || moved.length === 2) &&
        moved.every((name) => {
          const values = als.searchSpace[name]!;
          return Math.abs(values.indexOf(from[name]!) - values.indexOf(to[name]!)) === 1;
        })
      );
    };
    expect(trials.slice(0, 3).some((t) => stepFrom(settings(t), settings(trials[3]!)))).toBe(true);
    const again = tuneFamily(data, als, params, options);
    expect(again.trials.map((t) => t.params)).toEqual(trials.map((t) => t.params));
  });

  it("a budget of one trial is the current settings alone", () => {
    const { trials, screens, best } = tuneFamily(data, als, params, { trials: 1, seed: 3 });
    expect(screens).toEqual([]);
    expect(trials.map((t) => t.params)).toEqual([params]);
    expect(best).toBe(trials[0]);
  });

  it("the winner's settings are stored in the manifest and used by later retraining, except those the environment sets", async () => {
    const store = createModelStore(tempDir(), als);
    const tunedParams: AlsParams = {
      ...params,
      components: 6,
      regularization: 3,
      regularizationExponent: 0.5,
      alpha: 1,
    };
    const tuned = { params: tunedParams, ndcg: 0.5, trials: 4, tunedAt: new Date(0).toISOString() };
    await trainThroughGate(data, store, {
      params: tunedParams,
      tuned,
      allowedNdcgDrop: 0.02,
      force: true,
      keep: 3,
    });
    expect((await store.loadLatest())!.manifest.tuned).toEqual(tuned);

    const defaults = loadConfig({});
    expect((await trainingSettings(defaults, store)).params).toEqual(tunedParams);
    const overridden = loadConfig({ ALS_ALPHA: "7" });
    const later = await trainingSettings(overridden, store);
    expect(later.params).toEqual({ ...tunedParams, alpha: 7 });
    expect(later.tuned).toEqual(tuned);
    const untuned = await trainingSettings(defaults, createModelStore(tempDir(), als));
    const { components, iterations, regularization, regularizationExponent, alpha, seed } = defaults.als;
    expect(untuned.params).toEqual({
      components,
      iterations,
      regularization,
      regularizationExponent,
      alpha,
      seed,
    });
    expect(untuned.tuned).toBeUndefined();
  });
});

describe("the ALS row kernel (WebAssembly conjugate gradient)", () => {
  it("reaches the exact solution of a row's normal equations, for any width, given enough steps", () => {
    const random = seededRandom(5);
    for (const k of [1, 3, 4, 8, 13]) {
      const width = Math.ceil(k / 4) * 4;
      const rowBytes = width * 8;
      const n = 30;
      const entries = [2, 7, 11, 29];
      const weights = [1, 3, 0.5, 5];
      const [lambda, alpha] = [0.7, 2];
      // Memory: Y (n rows), the Gram matrix, x, scratch (three rows), weights, indexes, row pointers, λ.
      const kernels = instantiateKernels((n + width + 4) * rowBytes + entries.length * 12 + 16);
      const memory = kernels.memory.buffer;
      const Y = new Float64Array(memory, 0, n * width);
      const gram = new Float64Array(memory, n * rowBytes, width * width);
      const xAt = (n + width) * rowBytes;
      const x = new Float64Array(memory, xAt, width);
      const weightsAt = xAt + 4 * rowBytes;
      new Float64Array(memory, weightsAt, entries.length).set(weights);
      new Int32Array(memory, weightsAt + entries.length * 8, entries.length).set(entries);
      for (let i = 0; i < n; i++) for (let f = 0; f < k; f++) Y[i * width + f] = random() - 0.5;
      for (let i = 0; i < n; i++)
        for (let f = 0; f < k; f++)
          for (let g = 0; g < k; g++) gram[f * width + g]! += Y[i * width + f]! * Y[i * width + g]!;
      // The same system for Cholesky: A = YᵀY + λI + Σ α·w·y·yᵀ, b = Σ (1 + α·w)·y.
      const A = new Float64Array(k * k);
      const b = new Float64Array(k);
      for (let f = 0; f < k; f++)
        for (let g = 0; g < k; g++) A[f * k + g] = gram[f * width + g]! + (f === g ? lambda : 0);
      entries.forEach((i, e) => {
        for (let f = 0; f < k; f++) {
          b[f]! += (1 + alpha * weights[e]!) * Y[i * width + f]!;
          for (let g = 0; g < k; g++)
            A[f * k + g]! += alpha * weights[e]! * Y[i * width + f]! * Y[i * width + g]!;
        }
      });
      const exact = choleskySolve(A, b, k);
      // One row, whose entries are [0, 4) of the indexes and weights; k = 0: no row is left to Woodbury.
      const ptrAt = weightsAt + entries.length * 12;
      new Int32Array(memory, ptrAt, 2).set([0, entries.length]);
      new Float64Array(memory, ptrAt + 8, 1).set([lambda]);
      kernels.alsRows(
        xAt,
        0,
        n * rowBytes,
        ptrAt,
        weightsAt + entries.length * 8,
        weightsAt,
        1,
        rowBytes,
        ptrAt + 8,
        alpha,
        2 * width,
        xAt + rowBytes,
        0,
      );
      for (let f = 0; f < k; f++) expect(x[f]).toBeCloseTo(exact[f]!, 8);
      for (let f = k; f < width; f++) expect(x[f]).toBe(0);
    }
  });
});

describe("the kernels of ALS's exact row solves", () => {
  it("timesRows computes M·y for the listed rows only, in any order", () => {
    const random = seededRandom(8);
    const [width, n] = [12, 9];
    const rowBytes = width * 8;
    const kernels = instantiateKernels((width + 2 * n) * rowBytes + n * 4);
    const memory = kernels.memory.buffer;
    const M = new Float64Array(memory, 0, width * width);
    const Y = new Float64Array(memory, width * rowBytes, n * width);
    const Z = new Float64Array(memory, (width + n) * rowBytes, n * width).fill(-7);
    const listed = [5, 0, 8, 2];
    new Int32Array(memory, (width + 2 * n) * rowBytes, listed.length).set(listed);
    for (let f = 0; f < width; f++)
      for (let g = 0; g <= f; g++) M[f * width + g] = M[g * width + f] = random() - 0.5;
    Y.forEach((_, x) => (Y[x] = random() - 0.5));
    kernels.timesRows(
      0,
      width * rowBytes,
      (width + n) * rowBytes,
      (width + 2 * n) * rowBytes,
      listed.length,
      rowBytes,
    );
    for (let i = 0; i < n; i++)
      for (let f = 0; f < width; f++) {
        let s = 0;
        for (let g = 0; g < width; g++) s += M[f * width + g]! * Y[i * width + g]!;
        expect(Z[i * width + f]).toBeCloseTo(listed.includes(i) ? s : -7, 12);
      }
  });

  it("gram sums XᵀX four rows at a time and the rest one at a time, zero entries included", () => {
    const random = seededRandom(9);
    const width = 8;
    for (const rows of [1, 3, 4, 5, 9, 12]) {
      const kernels = instantiateKernels((rows + width) * width * 8);
      const X = new Float64Array(kernels.memory.buffer, 0, rows * width);
      const out = new Float64Array(kernels.memory.buffer, rows * width * 8, width * width);
      // Factor 2 is zero in every row (a block skips it), factor 5 in some.
      X.forEach((_, x) => (X[x] = x % width === 2 || (x % width === 5 && x % 3 === 0) ? 0 : random()));
      kernels.gram(0, rows, width, width * 8, rows * width * 8);
      for (let f = 0; f < width; f++)
        for (let g = f; g < width; g++) {
          let s = 0;
          for (let r = 0; r < rows; r++) s += X[r * width + f]! * X[r * width + g]!;
          expect(out[f * width + g]).toBeCloseTo(s, 12);
        }
    }
  });

  it("invertLower inverts a Cholesky factor", () => {
    const k = 7;
    const random = seededRandom(10);
    const B = Float64Array.from({ length: k * k }, () => random() - 0.5);
    // A = BᵀB + I, positive definite.
    const A = new Float64Array(k * k);
    for (let f = 0; f < k; f++)
      for (let g = 0; g < k; g++) {
        for (let r = 0; r < k; r++) A[f * k + g]! += B[r * k + f]! * B[r * k + g]!;
        if (f === g) A[f * k + g]! += 1;
      }
    const L = Float64Array.from(A);
    cholesky(L, k);
    const factor = Float64Array.from(L);
    invertLower(L, k);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += (p <= i ? factor[i * k + p]! : 0) * L[p * k + j]!;
        expect(s).toBeCloseTo(i === j ? 1 : 0, 12);
        if (j > i) expect(L[i * k + j]).toBe(0);
      }
  });
});
