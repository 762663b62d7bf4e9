import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FactorModel, type ModelManifest } from "../../../src/factors/model";
import type { NmfParams } from "../../../src/nmf/types";
import { seededRandom } from "../../../src/factors/random";
import { TopK } from "../../../src/factors/top-k";
import { interactionMatrix } from "../../../src/factors/sparse";
import { nmf, trainNmf } from "../../../src/nmf/train";
import { plantedCategories, plantedInteractions } from "./planted-data";

/** A model over random factors, built by hand: ids i0..i{n-1}, categories c0..c2. */
function randomModel(n: number, k: number, seed: number): FactorModel<NmfParams> {
  const random = seededRandom(seed);
  const itemFactors = Float32Array.from({ length: n * k }, () => random());
  const manifest: ModelManifest<NmfParams> = {
    format: 1,
    family: "NMF",
    version: "v-test",
    createdAt: new Date(0).toISOString(),
    params: { components: k, iterations: 1, l2: 0.05, l1: 0, seed, tolerance: 1e-4 },
    training: { users: 1, items: n, interactions: n, iterations: 1, loss: 0, durationMs: 0 },
    userIds: ["u"],
    itemIds: Array.from({ length: n }, (_, i) => `i${i}`),
    itemCategories: Array.from({ length: n }, (_, i) => `c${i % 3}`),
  };
  return new FactorModel(manifest, { userFactors: new Float32Array(k).fill(1), itemFactors }, nmf);
}

function cosineOf(a: number[], b: number[]): number {
  const dot = (x: number[], y: number[]): number => x.reduce((sum, v, i) => sum + v * y[i]!, 0);
  return dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b));
}

function fullSort(
  model: FactorModel,
  vector: Float32Array,
  keep: (i: number) => boolean,
): Array<{ itemId: string; score: number }> {
  const k = model.components;
  const f = model.arrays.itemFactors;
  return model.manifest.itemIds
    .map((itemId, i) => {
      let score = 0;
      for (let d = 0; d < k; d++) score += vector[d]! * f[i * k + d]!;
      return { itemId, score, i };
    })
    .filter((s) => keep(s.i))
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map(({ itemId, score }) => ({ itemId, score }));
}

describe("TopK", () => {
  it("keeps the same k best as a full sort", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 200 }),
        fc.integer({ min: 0, max: 30 }),
        (scores, k) => {
          const top = new TopK(k);
          scores.forEach((s, i) => top.push(i, s));
          const expected = scores
            .map((score, index) => ({ index, score }))
            .sort((a, b) => b.score - a.score || a.index - b.index)
            .slice(0, k);
          expect(top.sorted().map((x) => x.score)).toEqual(expected.map((x) => x.score));
        },
      ),
    );
  });
});

describe("FactorModel.recommend", () => {
  const model = randomModel(500, 8, 1);
  const vector = Float32Array.from({ length: 8 }, (_, i) => (i % 3) / 2);

  it("equals a full sort of the scores", () => {
    expect(model.recommend(vector, 10, { exclude: new Set() })).toEqual(
      fullSort(model, vector, () => true).slice(0, 10),
    );
  });

  it("honours exclude and category in the same pass", () => {
    const best = fullSort(model, vector, () => true);
    const exclude = new Set(best.slice(0, 7).map((s) => s.itemId));
    const got = model.recommend(vector, 10, { exclude, category: "c1" });
    const expected = fullSort(model, vector, (i) => i % 3 === 1 && !exclude.has(`i${i}`)).slice(0, 10);
    expect(got).toEqual(expected);
    expect(got.every((s) => !exclude.has(s.itemId) && Number(s.itemId.slice(1)) % 3 === 1)).toBe(true);
    expect(model.recommend(vector, 10, { exclude: new Set(), category: "unknown" })).toEqual([]);
  });

  it("answers the same after withManifest, which only adds manifest fields", () => {
    const gate = {
      promoted: true,
      forced: false,
      reason: "test",
      candidateNdcg: 0.2,
      popularityNdcg: 0.1,
      allowedNdcgDrop: 0,
    };
    const gated = model.withManifest({ gate });
    expect(gated.manifest.gate).toEqual(gate);
    expect(gated.version).toBe(model.version);
    const filter = { exclude: new Set(["i3"]), category: "c2" };
    expect(gated.recommend(vector, 10, filter)).toEqual(model.recommend(vector, 10, filter));
    expect(gated.related("i4", 5, filter)).toEqual(model.related("i4", 5, filter));
    expect(gated.foldIn(new Map([["i1", 2]]))).toEqual(model.foldIn(new Map([["i1", 2]])));
  });
});

describe("FactorModel.related", () => {
  const model = randomModel(200, 6, 2);
  const f = model.arrays.itemFactors;
  const row = (i: number): number[] => Array.from(f.subarray(i * 6, (i + 1) * 6));
  /** Every other item by cosine similarity to `item`, in Float64, best first. */
  const byCosine = (item: number, keep: (j: number) => boolean) =>
    Array.from({ length: 200 }, (_, j) => ({ j, score: cosineOf(row(item), row(j)) }))
      .filter(({ j }) => j !== item && keep(j))
      .sort((a, b) => b.score - a.score || a.j - b.j);

  it("ranks the whole catalog by cosine similarity, never the item itself", () => {
    for (const item of [0, 4, 9, 199]) {
      const got = model.related(`i${item}`, 7, { exclude: new Set() })!;
      const expected = byCosine(item, () => true).slice(0, 7);
      expect(got.map((s) => s.itemId)).toEqual(expected.map(({ j }) => `i${j}`));
      got.forEach((s, slot) => expect(s.score).toBeCloseTo(expected[slot]!.score, 6));
    }
    expect(model.related("nope", 5, { exclude: new Set() })).toBeUndefined();
  });

  it("fills k from the items that pass the filters, however many better ones they drop", () => {
    const exclude = new Set(
      byCosine(4, () => true)
        .slice(0, 60)
        .map(({ j }) => `i${j}`),
    );
    const got = model.related("i4", 10, { exclude, category: "c0" })!;
    const expected = byCosine(4, (j) => j % 3 === 0 && !exclude.has(`i${j}`)).slice(0, 10);
    expect(got.map((s) => s.itemId)).toEqual(expected.map(({ j }) => `i${j}`));
    expect(model.related("i4", 10, { exclude: new Set(), category: "unknown" })).toEqual([]);
  });
});

describe("FactorModel.foldIn", () => {
  const spec = { users: 300, items: 200, perUser: 15, topics: 6, seed: 12, noise: 0.05 };
  const categories = plantedCategories(spec);
  const model = trainNmf(
    interactionMatrix(plantedInteractions(spec)),
    { components: 6, iterations: 80, l2: 0.05, l1: 0, seed: 1 },
    { itemCategories: categories },
  );

  it("returns undefined when no item is known", () => {
    expect(model.foldIn(new Map([["unknown", 3]]))).toBeUndefined();
    expect(model.foldIn(new Map())).toBeUndefined();
  });

  it("moves the top-k toward the topic of the new items", () => {
    const topicItems = [...categories]
      .filter(([, c]) => c === "c2")
      .map(([id]) => id)
      .filter((id) => model.hasItem(id));
    const vector = model.foldIn(new Map(topicItems.slice(0, 4).map((id) => [id, 5])))!;
    expect(Math.min(...vector)).toBeGreaterThanOrEqual(0);
    const top = model.recommend(vector, 10, { exclude: new Set(topicItems.slice(0, 4)) });
    const inTopic = top.filter((s) => categories.get(s.itemId) === "c2").length;
    expect(inTopic).toBeGreaterThanOrEqual(8);
  });

  it("gives a trained user a vector close to the trained one", () => {
    const userId = model.manifest.userIds[0]!;
    const seen = new Map(
      plantedInteractions(spec)
        .filter((x) => x.userId === userId)
        .map((x) => [x.itemId, x.weight]),
    );
    const folded = model.foldIn(seen)!;
    const trained = model.userVector(userId)!;
    expect(cosineOf(Array.from(folded), Array.from(trained))).toBeGreaterThan(0.99);
  });
});
