import type { NmfModel, RankingMetrics } from "./model";
import { seededRandom } from "./random";
import type { Interaction } from "./types";

/** Ranks items for a user, best first, never returning an excluded item. */
export type Ranker = (userId: string, k: number, exclude: ReadonlySet<string>) => string[];

export interface Split {
  train: Interaction[];
  test: Interaction[];
}

/**
 * Per-user stratified random split of the distinct (user, item) pairs: each user keeps about
 * `trainFraction` of their items for training (at least one) and the rest for testing, so every
 * tested user is known to the model. All interactions of one pair go to the same side.
 */
export function splitPerUser(
  interactions: readonly Interaction[],
  trainFraction: number,
  seed: number,
): Split {
  const itemsOf = distinct(interactions, "userId", "itemId");
  const random = seededRandom(seed);
  const testPairs = new Set<string>();
  for (const userId of [...itemsOf.keys()].sort()) {
    const items = [...itemsOf.get(userId)!].sort();
    shuffle(items, random);
    const trainCount = Math.max(1, Math.round(items.length * trainFraction));
    for (const itemId of items.slice(trainCount)) testPairs.add(pairKey(userId, itemId));
  }
  const split: Split = { train: [], test: [] };
  for (const x of interactions)
    (testPairs.has(pairKey(x.userId, x.itemId)) ? split.test : split.train).push(x);
  return split;
}

/**
 * Top-k ranking quality with binary relevance: for every user with held-out items, rank all items
 * the user did not interact with in train and compare with the held-out items. Averages over users;
 * coverage is the share of the catalog (train and test items) that appears in any list.
 */
export function evaluateRanker(
  train: readonly Interaction[],
  test: readonly Interaction[],
  ranker: Ranker,
  k = 10,
): RankingMetrics {
  const seen = distinct(train, "userId", "itemId");
  const relevant = distinct(test, "userId", "itemId");
  const catalog = new Set([...train, ...test].map((x) => x.itemId));
  const recommended = new Set<string>();
  const totals = { precision: 0, recall: 0, ndcg: 0, map: 0 };
  let users = 0;
  for (const [userId, wanted] of relevant) {
    const exclude = seen.get(userId) ?? new Set<string>();
    const hidden = [...wanted].filter((id) => !exclude.has(id));
    if (hidden.length === 0) continue;
    const list = ranker(userId, k, exclude).slice(0, k);
    list.forEach((id) => recommended.add(id));
    const scores = scoreList(list, new Set(hidden), k);
    totals.precision += scores.precision;
    totals.recall += scores.recall;
    totals.ndcg += scores.ndcg;
    totals.map += scores.map;
    users++;
  }
  const mean = (total: number): number => (users === 0 ? 0 : total / users);
  return {
    k,
    users,
    precision: mean(totals.precision),
    recall: mean(totals.recall),
    ndcg: mean(totals.ndcg),
    map: mean(totals.map),
    coverage: catalog.size === 0 ? 0 : recommended.size / catalog.size,
  };
}

/** Metrics of one ranked list against the set of relevant items. */
export function scoreList(
  list: readonly string[],
  relevant: ReadonlySet<string>,
  k: number,
): { precision: number; recall: number; ndcg: number; map: number } {
  let hits = 0;
  let dcg = 0;
  let precisionSum = 0;
  list.slice(0, k).forEach((id, rank) => {
    if (!relevant.has(id)) return;
    hits++;
    dcg += 1 / Math.log2(rank + 2);
    precisionSum += hits / (rank + 1);
  });
  const ideal = Math.min(relevant.size, k);
  let idcg = 0;
  for (let rank = 0; rank < ideal; rank++) idcg += 1 / Math.log2(rank + 2);
  return {
    precision: hits / k,
    recall: relevant.size === 0 ? 0 : hits / relevant.size,
    ndcg: idcg === 0 ? 0 : dcg / idcg,
    map: ideal === 0 ? 0 : precisionSum / ideal,
  };
}

/** Items ordered by how many distinct users interacted with them in train (ties by id). */
export function popularityRanker(train: readonly Interaction[]): Ranker {
  const ranked = [...distinct(train, "itemId", "userId").entries()]
    .sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))
    .map(([itemId]) => itemId);
  return (_userId, k, exclude) => {
    const out: string[] = [];
    for (const id of ranked) {
      if (out.length >= k) break;
      if (!exclude.has(id)) out.push(id);
    }
    return out;
  };
}

/** Ranks with a model's trained user vectors (users unknown to the model get nothing). */
export function modelRanker(model: NmfModel): Ranker {
  return (userId, k, exclude) => {
    const vector = model.userVector(userId);
    return vector ? model.recommend(vector, k, { exclude }).map((s) => s.itemId) : [];
  };
}

/** For each distinct `key` (user or item), the distinct `value`s it occurs with. */
function distinct(
  interactions: readonly Interaction[],
  key: "userId" | "itemId",
  value: "userId" | "itemId",
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const x of interactions) {
    const set = out.get(x[key]);
    if (set) set.add(x[value]);
    else out.set(x[key], new Set([x[value]]));
  }
  return out;
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

function pairKey(userId: string, itemId: string): string {
  return `${userId}\u0000${itemId}`;
}
