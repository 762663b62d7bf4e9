import { describe, expect, it } from "vitest";
import { evaluateRanker, modelRanker, popularityRanker, splitPerUser } from "../../../src/factors/evaluate";
import { interactionMatrix } from "../../../src/factors/sparse";
import { trainNmf } from "../../../src/nmf/train";
import type { TrainingProgress } from "../../../src/factors/types";
import type { NmfParams } from "../../../src/nmf/types";
import { plantedInteractions } from "../factors/planted-data";

const planted = plantedInteractions({ users: 300, items: 200, perUser: 15, topics: 6, seed: 11 });
const data = interactionMatrix(planted);
const params: NmfParams = { components: 8, iterations: 60, l2: 0.05, l1: 0, seed: 42 };

describe("trainNmf", () => {
  it("is deterministic for a seed, whatever the order of the interactions", () => {
    const a = trainNmf(data, params);
    const b = trainNmf(interactionMatrix([...planted].reverse()), params);
    expect(Array.from(b.arrays.itemFactors)).toEqual(Array.from(a.arrays.itemFactors));
    expect(Array.from(b.arrays.userFactors)).toEqual(Array.from(a.arrays.userFactors));
    expect(b.manifest.training.loss).toBe(a.manifest.training.loss);
    const c = trainNmf(data, { ...params, seed: 7 });
    expect(Array.from(c.arrays.itemFactors)).not.toEqual(Array.from(a.arrays.itemFactors));
  });

  it("reports progress with a loss that never increases, and keeps factors nonnegative", () => {
    const progress: TrainingProgress[] = [];
    const model = trainNmf(data, { ...params, tolerance: 0 }, { onProgress: (p) => progress.push(p) });
    expect(progress.map((p) => p.iteration)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]!.loss).toBeLessThanOrEqual(progress[i - 1]!.loss * (1 + 1e-9));
    expect(progress.at(-1)!.loss).toBeLessThan(progress[0]!.loss * 0.95);
    expect(Math.min(...model.arrays.userFactors, ...model.arrays.itemFactors)).toBeGreaterThanOrEqual(0);
  });

  it("stops early once an epoch lowers the loss by less than tolerance x the first decrease", () => {
    const model = trainNmf(data, { ...params, iterations: 500, tolerance: 1e-3 });
    expect(model.manifest.training.iterations).toBeLessThan(500);
    expect(model.manifest.params.tolerance).toBe(1e-3);
  });

  it("keeps only training parameters in the manifest, sums repeated pairs and skips non-positive weights", () => {
    const model = trainNmf(
      interactionMatrix([
        { userId: "a", itemId: "x", weight: 1 },
        { userId: "a", itemId: "x", weight: 2 },
        { userId: "a", itemId: "y", weight: 0 },
        { userId: "b", itemId: "z", weight: 1 },
      ]),
      { ...params, components: 2, uri: "./models" } as NmfParams,
    );
    expect(model.manifest.params).toEqual({ ...params, components: 2, tolerance: 5e-5 });
    expect(model.manifest.training).toMatchObject({ users: 2, items: 2, interactions: 2 });
    expect(model.hasItem("y")).toBe(false);
    expect(() => trainNmf(interactionMatrix([]), params)).toThrow(/without interactions/);
  });

  it("recovers planted structure: held-out NDCG@10 clearly above popularity", () => {
    const planted = plantedInteractions({
      users: 600,
      items: 300,
      perUser: 20,
      topics: 8,
      seed: 5,
      noise: 0.1,
    });
    const split = splitPerUser(interactionMatrix(planted), 0.75, 3);
    const model = trainNmf(split.train, { ...params, components: 8 });
    const nmf = evaluateRanker(split, modelRanker(model, split.train));
    const popular = evaluateRanker(split, popularityRanker(split.train));
    expect(nmf.ndcg).toBeGreaterThan(popular.ndcg * 1.5);
    expect(nmf.coverage).toBeGreaterThan(popular.coverage);
  });
});
