import { describe, expect, it } from "vitest";
import {
  evaluateRanker,
  popularityRanker,
  scoreList,
  splitPerUser,
  type Ranker,
} from "../../../src/factors/evaluate";
import { alignedMatrices, interactionMatrix, type InteractionMatrix } from "../../../src/factors/sparse";
import type { Interaction } from "../../../src/factors/types";
import { plantedInteractions } from "./planted-data";

const x = (userId: string, itemId: string, weight = 1): Interaction => ({ userId, itemId, weight });

/** "user/item" of every entry of a matrix. */
function pairs(m: InteractionMatrix): Set<string> {
  const out = new Set<string>();
  for (let u = 0; u < m.userIds.length; u++)
    for (let p = m.rowPtr[u]!; p < m.rowPtr[u + 1]!; p++)
      out.add(`${m.userIds[u]}/${m.itemIds[m.colIdx[p]!]}`);
  return out;
}

function trainWeight(m: InteractionMatrix, pair: string): number {
  const [userId, itemId] = pair.split("/");
  const u = m.userIds.indexOf(userId!);
  for (let p = m.rowPtr[u]!; p < m.rowPtr[u + 1]!; p++)
    if (m.itemIds[m.colIdx[p]!] === itemId) return m.values[p]!;
  return 0;
}

describe("scoreList", () => {
  it("matches hand-computed precision, recall, NDCG and MAP", () => {
    // Hits at ranks 1 and 3 of 4, three relevant items.
    const s = scoreList(["a", "x", "b", "y"], new Set(["a", "b", "c"]), 4);
    expect(s.precision).toBeCloseTo(2 / 4);
    expect(s.recall).toBeCloseTo(2 / 3);
    const dcg = 1 + 1 / Math.log2(4);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(s.ndcg).toBeCloseTo(dcg / idcg);
    expect(s.map).toBeCloseTo((1 + 2 / 3) / 3);
  });

  it("is perfect for an ideal list and zero without hits", () => {
    expect(scoreList(["a", "b"], new Set(["a", "b"]), 2)).toEqual({
      precision: 1,
      recall: 1,
      ndcg: 1,
      map: 1,
    });
    expect(scoreList(["x", "y"], new Set(["a"]), 2)).toEqual({ precision: 0, recall: 0, ndcg: 0, map: 0 });
  });
});

describe("evaluateRanker", () => {
  it("averages over users with held-out items, excludes train items and measures coverage", () => {
    const train = [x("u1", "a"), x("u1", "b"), x("u2", "a"), x("u3", "c")];
    const test = [x("u1", "c"), x("u2", "d"), x("u2", "b")];
    const excluded: Record<string, string[]> = {};
    const ranker: Ranker = (userId, _k, exclude) => {
      excluded[userId] = [...exclude].sort();
      return userId === "u1" ? ["c", "d"] : ["c", "d"];
    };
    const [trainMatrix, testMatrix] = alignedMatrices(train, test);
    const perUser: Array<[string, number]> = [];
    const m = evaluateRanker({ train: trainMatrix, test: testMatrix }, ranker, {
      k: 2,
      onUser: (u, [scores]) => perUser.push([trainMatrix.userIds[u]!, scores!.ndcg]),
    });
    expect(m.users).toBe(2);
    expect(excluded).toEqual({ u1: ["a", "b"], u2: ["a"] });
    // u1: hit at rank 1 of 1 relevant; u2: hit at rank 2 of 2 relevant.
    expect(m.precision).toBeCloseTo((1 / 2 + 1 / 2) / 2);
    expect(m.recall).toBeCloseTo((1 + 1 / 2) / 2);
    const u2ndcg = 1 / Math.log2(3) / (1 + 1 / Math.log2(3));
    expect(m.ndcg).toBeCloseTo((1 + u2ndcg) / 2);
    // Each evaluated user's own scores, for paired comparisons (u3 has nothing held out).
    expect(perUser.map(([user]) => user)).toEqual(["u1", "u2"]);
    expect(perUser[0]![1]).toBeCloseTo(1);
    expect(perUser[1]![1]).toBeCloseTo(u2ndcg);
    expect(m.map).toBeCloseTo((1 + 1 / 2 / 2) / 2);
    expect(m.coverage).toBeCloseTo(2 / 4);
  });
});

describe("popularityRanker", () => {
  it("ranks by distinct users, skipping excluded items", () => {
    const rank = popularityRanker(
      interactionMatrix([
        x("u1", "a"),
        x("u1", "a"),
        x("u1", "b"),
        x("u2", "b"),
        x("u3", "b"),
        x("u2", "c"),
        x("u3", "c"),
      ]),
    );
    expect(rank("any", 2, new Set())).toEqual(["b", "c"]);
    expect(rank("any", 5, new Set(["b"]))).toEqual(["c", "a"]);
  });
});

describe("splitPerUser", () => {
  const data = plantedInteractions({ users: 200, items: 100, perUser: 12, topics: 4, seed: 9 });

  it("keeps about the fraction of each user's items, at least one, and never splits a pair", () => {
    const doubled = [...data, ...data.slice(0, 50)];
    const { train, test } = splitPerUser(interactionMatrix(doubled), 0.75, 1);
    const distinctPairs = new Set(doubled.map((i) => `${i.userId}/${i.itemId}`));
    expect(train.values.length + test.values.length).toBe(distinctPairs.size);
    const trainPairs = pairs(train);
    expect([...pairs(test)].some((p) => trainPairs.has(p))).toBe(false);
    // Repeated pairs are summed, never split: the train side holds their whole weight.
    const weightOf = (pair: string) =>
      doubled.filter((i) => `${i.userId}/${i.itemId}` === pair).reduce((sum, i) => sum + i.weight, 0);
    for (const pair of [...trainPairs].slice(0, 40)) expect(trainWeight(train, pair)).toBe(weightOf(pair));
    const users = new Set(data.map((i) => i.userId));
    for (const userId of users) {
      const mine = new Set(data.filter((i) => i.userId === userId).map((i) => i.itemId)).size;
      const kept = [...trainPairs].filter((p) => p.startsWith(`${userId}/`)).length;
      expect(kept).toBe(Math.max(1, Math.round(mine * 0.75)));
    }
  });

  it("repeats for a seed and changes with it", () => {
    const matrix = interactionMatrix(data);
    expect(splitPerUser(matrix, 0.75, 1)).toEqual(splitPerUser(matrix, 0.75, 1));
    expect(splitPerUser(matrix, 0.75, 2).test).not.toEqual(splitPerUser(matrix, 0.75, 1).test);
  });
});
