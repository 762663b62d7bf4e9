import type { FactorModel, RankingMetrics } from "./model";
import { seededRandom } from "./random";
import { withColumns, type InteractionMatrix } from "./sparse";

/**
 * The validation protocol the gate and `recs tune` share, so that their figures compare: a per-user
 * split keeping this share for training, NDCG at K, on at most this many users (enough for NDCG@10 to
 * a few thousandths; scoring all of them would outweigh training at scale).
 */
export const VALIDATION = { trainFraction: 0.8, k: 10, maxUsers: 5_000 } as const;

/** Ranks items for a user, best first, never returning an excluded item. */
export type Ranker = (userId: string, k: number, exclude: ReadonlySet<string>) => string[];

/** Train and test matrices over the same user and item ids. */
export interface Split {
  train: InteractionMatrix;
  test: InteractionMatrix;
}

/**
 * Per-user stratified random split of the distinct (user, item) pairs: each user keeps about
 * `trainFraction` of their items for training (at least one) and the rest for testing, so every
 * tested user is known to the model.
 */
export function splitPerUser(matrix: InteractionMatrix, trainFraction: number, seed: number): Split {
  const { rowPtr, colIdx, values, userIds, itemIds } = matrix;
  const random = seededRandom(seed);
  const sides = { train: new Sides(rowPtr.length), test: new Sides(rowPtr.length) };
  for (let u = 0; u < userIds.length; u++) {
    const entries: number[] = [];
    for (let p = rowPtr[u]!; p < rowPtr[u + 1]!; p++) entries.push(p);
    shuffle(entries, random);
    const trainCount = Math.max(1, Math.round(entries.length * trainFraction));
    // Entries stay in item order within each side, as CSR wants.
    const trainSet = entries.slice(0, trainCount).sort((a, b) => a - b);
    const testSet = entries.slice(trainCount).sort((a, b) => a - b);
    sides.train.addRow(u, trainSet);
    sides.test.addRow(u, testSet);
  }
  const build = (side: Sides) =>
    withColumns(
      userIds,
      itemIds,
      side.rowPtr,
      Int32Array.from(side.entries, (p) => colIdx[p]!),
      Float64Array.from(side.entries, (p) => values[p]!),
    );
  return { train: build(sides.train), test: build(sides.test) };
}

/** One side of a split while it is built: per user, which entries of the full matrix it keeps. */
class Sides {
  readonly rowPtr: Int32Array;
  readonly entries: number[] = [];
  constructor(rows: number) {
    this.rowPtr = new Int32Array(rows);
  }
  addRow(u: number, entries: number[]): void {
    for (const p of entries) this.entries.push(p);
    this.rowPtr[u + 1] = this.entries.length;
  }
}

export interface EvaluationOptions {
  k?: number;
  /** Evaluate a seeded sample of at most this many users (every user when absent). */
  maxUsers?: number;
  seed?: number;
  /**
   * Each evaluated user's scores, per k: for paired comparisons of two rankers on the same split
   * (the same users are evaluated whatever the ranker).
   */
  onUser?: (user: number, scores: ListScores[]) => void;
}

/**
 * Top-k ranking quality with binary relevance: for every user with held-out items, rank all items
 * the user did not interact with in train and compare with the held-out items. Averages over users;
 * coverage is the share of the catalog (train and test items) that appears in any list.
 */
export function evaluateRanker(
  split: Split,
  ranker: Ranker,
  { k = 10, ...options }: EvaluationOptions = {},
): RankingMetrics {
  return evaluateRankerAt(split, ranker, [k], options)[0]!;
}

/** The same at several list lengths, from one ranking per user (as long as the longest). */
export function evaluateRankerAt(
  { train, test }: Split,
  ranker: Ranker,
  ks: readonly number[],
  { maxUsers, seed = 1, onUser }: Omit<EvaluationOptions, "k"> = {},
): RankingMetrics[] {
  const items = train.itemIds;
  const itemsOf = (m: InteractionMatrix, u: number): string[] => {
    const out: string[] = [];
    for (let p = m.rowPtr[u]!; p < m.rowPtr[u + 1]!; p++) out.push(items[m.colIdx[p]!]!);
    return out;
  };
  const longest = Math.max(...ks);
  const perK = ks.map(() => ({ precision: 0, recall: 0, ndcg: 0, map: 0, recommended: new Set<string>() }));
  let users = 0;
  for (const u of sampledUsers(test, maxUsers, seed)) {
    const exclude = new Set(itemsOf(train, u));
    const hidden = itemsOf(test, u).filter((id) => !exclude.has(id));
    if (hidden.length === 0) continue;
    const list = ranker(train.userIds[u]!, longest, exclude).slice(0, longest);
    const relevant = new Set(hidden);
    const scored = ks.map((k, at) => {
      const totals = perK[at]!;
      list.slice(0, k).forEach((id) => totals.recommended.add(id));
      const scores = scoreList(list, relevant, k);
      totals.precision += scores.precision;
      totals.recall += scores.recall;
      totals.ndcg += scores.ndcg;
      totals.map += scores.map;
      return scores;
    });
    onUser?.(u, scored);
    users++;
  }
  let catalog = 0;
  for (let c = 0; c < items.length; c++)
    if (train.colPtr[c + 1]! > train.colPtr[c]! || test.colPtr[c + 1]! > test.colPtr[c]!) catalog++;
  const mean = (total: number): number => (users === 0 ? 0 : total / users);
  return ks.map((k, at) => {
    const totals = perK[at]!;
    return {
      k,
      users,
      precision: mean(totals.precision),
      recall: mean(totals.recall),
      ndcg: mean(totals.ndcg),
      map: mean(totals.map),
      coverage: catalog === 0 ? 0 : totals.recommended.size / catalog,
    };
  });
}

/** Users with held-out items, all of them or a seeded sample in user order. */
function sampledUsers(test: InteractionMatrix, maxUsers: number | undefined, seed: number): number[] {
  const users: number[] = [];
  for (let u = 0; u < test.userIds.length; u++) if (test.rowPtr[u + 1]! > test.rowPtr[u]!) users.push(u);
  if (maxUsers === undefined || users.length <= maxUsers) return users;
  shuffle(users, seededRandom(seed));
  return users.slice(0, maxUsers).sort((a, b) => a - b);
}

export interface ListScores {
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
}

/** Metrics of one ranked list against the set of relevant items. */
export function scoreList(list: readonly string[], relevant: ReadonlySet<string>, k: number): ListScores {
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
export function popularityRanker(train: InteractionMatrix): Ranker {
  const { colPtr, itemIds } = train;
  const ranked = itemIds
    .map((_, c) => c)
    .filter((c) => colPtr[c + 1]! > colPtr[c]!)
    .sort((a, b) => colPtr[b + 1]! - colPtr[b]! - (colPtr[a + 1]! - colPtr[a]!) || a - b)
    .map((c) => itemIds[c]!);
  return (_userId, k, exclude) => {
    const out: string[] = [];
    for (const id of ranked) {
      if (out.length >= k) break;
      if (!exclude.has(id)) out.push(id);
    }
    return out;
  };
}

/**
 * Ranks with a model's trained user vectors; a user without one (EASE keeps none: its users are
 * always folded in) gets the fold-in of their row of `train`, as the server would fold them in.
 */
export function modelRanker(model: FactorModel, train: InteractionMatrix): Ranker {
  const rows = new Map(train.userIds.map((id, u) => [id, u]));
  return (userId, k, exclude) => {
    const vector = model.userVector(userId) ?? foldInRow(model, train, rows.get(userId));
    return vector ? model.recommend(vector, k, { exclude }).map((s) => s.itemId) : [];
  };
}

function foldInRow(model: FactorModel, train: InteractionMatrix, u: number | undefined) {
  if (u === undefined) return undefined;
  const interactions = new Map<string, number>();
  for (let p = train.rowPtr[u]!; p < train.rowPtr[u + 1]!; p++)
    interactions.set(train.itemIds[train.colIdx[p]!]!, train.values[p]!);
  return model.foldIn(interactions);
}

function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
