import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { inverse, Matrix } from "ml-matrix";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config";
import { InputError } from "../../../src/domain/errors";
import { ease, EASE_MAX_ENTRIES, trainEase } from "../../../src/ease/train";
import { evaluateRanker, modelRanker, popularityRanker, splitPerUser } from "../../../src/factors/evaluate";
import { seededRandom } from "../../../src/factors/random";
import { interactionMatrix, type InteractionMatrix } from "../../../src/factors/sparse";
import { createModelStore } from "../../../src/factors/store";
import { tuneFamily } from "../../../src/factors/tune";
import type { Interaction } from "../../../src/factors/types";
import { trainingSettings } from "../../../src/jobs/train";
import { trainThroughGate } from "../../../src/jobs/gated-training";
import { plantedInteractions } from "../factors/planted-data";

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Random interactions of weight 1, 3 or 5 (a view, a cart, a purchase): every user and item has some. */
function randomInteractions(users: number, items: number, seed: number): Interaction[] {
  const random = seededRandom(seed);
  const out: Interaction[] = [];
  for (let u = 0; u < users; u++)
    for (let i = 0; i < items; i++)
      if (random() < 0.25 || i === u % items || u === i % users)
        out.push({ userId: `u${u}`, itemId: `i${i}`, weight: [1, 3, 5][Math.floor(random() * 3)]! });
  return out;
}

/** EASE as the paper states it: X presence, B = I − P·diag(1/diag(P)), P = (XᵀX + λI)⁻¹ (rows, columns: matrix.itemIds). */
function referenceB(matrix: InteractionMatrix, lambda: number): Matrix {
  const X = Matrix.zeros(matrix.userIds.length, matrix.itemIds.length);
  for (let u = 0; u < matrix.userIds.length; u++)
    for (let p = matrix.rowPtr[u]!; p < matrix.rowPtr[u + 1]!; p++) X.set(u, matrix.colIdx[p]!, 1);
  const G = X.transpose().mmul(X);
  for (let i = 0; i < G.rows; i++) G.set(i, i, G.get(i, i) + lambda);
  const P = inverse(G);
  const B = Matrix.zeros(G.rows, G.rows);
  for (let i = 0; i < G.rows; i++)
    for (let j = 0; j < G.rows; j++) if (i !== j) B.set(i, j, -P.get(i, j) / P.get(j, j));
  return B;
}

describe("EASE", () => {
  // Fewer users than items: the dual form (width = users); fewer items than users: the primal (width = items).
  for (const [form, users, items] of [
    ["dual", 14, 23],
    ["primal", 23, 14],
  ] as const) {
    it(`scores every unseen item as x·B over the items present (weights aside) and ranks related items by B's row (${form} form)`, () => {
      const matrix = interactionMatrix(randomInteractions(users, items, 5));
      const lambda = 7;
      const model = trainEase(matrix, { regularization: lambda } as never);
      expect(model.components).toBe(Math.min(users, items));
      expect(model.manifest.params).toEqual({
        regularization: lambda,
        components: model.components,
        iterations: 1,
        seed: 0,
      });
      const B = referenceB(matrix, lambda);
      const index = new Map(matrix.itemIds.map((id, i) => [id, i]));
      const none = { exclude: new Set<string>() };

      // No trained user vectors: every user, of the training data or new, is folded in.
      expect(model.manifest.userIds).toEqual([]);
      expect(model.manifest.training.users).toBe(users);
      expect(model.userVector(matrix.userIds[0]!)).toBeUndefined();
      const newUser = new Map([
        [matrix.itemIds[2]!, 3],
        [matrix.itemIds[9]!, 1],
      ]);
      const trainedUser = new Map<string, number>();
      for (let p = matrix.rowPtr[0]!; p < matrix.rowPtr[1]!; p++)
        trainedUser.set(matrix.itemIds[matrix.colIdx[p]!]!, matrix.values[p]!);
      for (const [history, vector] of [
        [trainedUser, model.foldIn(trainedUser)!],
        [newUser, model.foldIn(newUser)!],
      ] as const) {
        const seen = new Set(history.keys());
        const expected = matrix.itemIds
          .filter((id) => !seen.has(id))
          .map((id) => ({
            itemId: id,
            score: [...history.keys()].reduce((s, from) => s + B.get(index.get(from)!, index.get(id)!), 0),
          }))
          .sort((a, b) => b.score - a.score);
        const got = model.recommend(vector, 5, { exclude: seen });
        expect(got.map((r) => r.itemId)).toEqual(expected.slice(0, 5).map((r) => r.itemId));
        for (const [i, r] of got.entries()) expect(r.score).toBeCloseTo(expected[i]!.score, 5);
      }

      const item = 4;
      const row = matrix.itemIds
        .map((id, j) => ({ itemId: id, score: B.get(item, j) }))
        .filter((_, j) => j !== item)
        .sort((a, b) => b.score - a.score);
      const related = model.related(matrix.itemIds[item]!, 4, none)!;
      expect(related.map((r) => r.itemId)).toEqual(row.slice(0, 4).map((r) => r.itemId));
      for (const [i, r] of related.entries()) expect(r.score).toBeCloseTo(row[i]!.score, 5);
    });
  }

  it("recovers planted structure: held-out NDCG@10 clearly above popularity", () => {
    const data = interactionMatrix(
      plantedInteractions({ users: 300, items: 200, perUser: 15, topics: 6, seed: 11 }),
    );
    const split = splitPerUser(data, 0.75, 1);
    const model = trainEase(split.train, { regularization: 200 } as never);
    const easeNdcg = evaluateRanker(split, modelRanker(model, split.train), { k: 10 }).ndcg;
    const popularNdcg = evaluateRanker(split, popularityRanker(split.train), { k: 10 }).ndcg;
    expect(easeNdcg).toBeGreaterThan(popularNdcg * 1.4);
  });

  it("refuses data whose model would be larger than its limit, as the client's choice, before allocating it", () => {
    // One interaction per user and item on a diagonal: items x min(users, items) just over the limit.
    const side = Math.floor(Math.sqrt(EASE_MAX_ENTRIES)) + 1;
    const diagonal = Array.from({ length: side }, (_, i) => ({
      userId: `u${i}`,
      itemId: `i${i}`,
      weight: 1,
    }));
    const train = () => trainEase(interactionMatrix(diagonal), { regularization: 10 } as never);
    expect(train).toThrow(InputError);
    expect(train).toThrow(/use ALS for data this size/);
  });

  it("tunes λ alone, every trial in full (no epochs to screen), and retraining uses the winner unless EASE_REGULARIZATION is set", async () => {
    const data = interactionMatrix(randomInteractions(40, 30, 9));
    const { trials, screens, best } = tuneFamily(data, ease, { regularization: 250 } as never, {
      trials: 6,
      seed: 2,
    });
    expect(screens).toEqual([]);
    expect(trials[0]!.params).toEqual({ regularization: 250 });
    expect(trials.every((t) => Object.keys(t.params).join() === "regularization")).toBe(true);
    expect(best.ndcg).toBe(Math.max(...trials.map((t) => t.ndcg)));

    const dir = mkdtempSync(path.join(tmpdir(), "ease-"));
    dirs.push(dir);
    const store = createModelStore(dir, ease);
    const tuned = {
      params: best.params,
      ndcg: best.ndcg,
      trials: trials.length,
      tunedAt: new Date(0).toISOString(),
    };
    await trainThroughGate(data, store, {
      params: best.params,
      tuned,
      allowedNdcgDrop: 0.02,
      force: true,
      keep: 2,
    });
    const loaded = (await store.loadLatest())!;
    expect(loaded.manifest.family).toBe("EASE");
    expect(loaded.manifest.tuned).toEqual(tuned);
    expect((await trainingSettings(loadConfig({}), store)).params).toEqual(best.params);
    expect((await trainingSettings(loadConfig({ EASE_REGULARIZATION: "3" }), store)).params).toEqual({
      regularization: 3,
    });
    // A loaded model answers as the trained one did.
    const history = new Map([["i1", 1]]);
    expect(loaded.recommend(loaded.foldIn(history)!, 3, { exclude: new Set(history.keys()) })).toEqual(
      (await store.load(loaded.version)).recommend(loaded.foldIn(history)!, 3, {
        exclude: new Set(history.keys()),
      }),
    );
  });
});
