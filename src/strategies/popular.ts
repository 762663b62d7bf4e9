import { LAST_RESORT } from "../domain/vocabulary";
import type { Logger } from "../observability/logger";
import type { PopularityEntry } from "../store/popularity.store";
import { BackgroundRefresh } from "../shared/background-refresh";
import { acceptsItem, type CandidateFilter, type ScoredItemId } from "../domain/ranking";
import {
  type RecommendQuery,
  type RelatedQuery,
  type Strategy,
  type StrategyResult,
  type StrategyStatus,
} from "./strategy";

export interface PopularitySource {
  ranking(): Promise<PopularityEntry[]>;
}

/**
 * The last fallback: the most popular items (time-decayed, weighted events), by category too.
 * It never fails: a failed refresh keeps serving the previous ranking, and with none an empty list.
 */
export class PopularStrategy implements Strategy {
  readonly name = LAST_RESORT;
  private readonly cache: BackgroundRefresh<Ranking>;

  constructor(source: PopularitySource, refreshSeconds: number, log: Logger) {
    this.cache = new BackgroundRefresh(
      async () => toRanking(await source.ranking()),
      refreshSeconds,
      (error) => log.warn("popularity refresh failed; serving the previous ranking", { error }),
    );
  }

  status(): StrategyStatus {
    return { configured: true, ready: true };
  }

  async recommend(query: RecommendQuery): Promise<StrategyResult> {
    return { items: top(await this.ranking(), query.k, query) };
  }

  /** Popular items of the anchor's category (any category when the anchor is unknown). */
  async related(query: RelatedQuery): Promise<StrategyResult> {
    const ranking = await this.ranking();
    const exclude = new Set(query.exclude).add(query.itemId);
    const category = query.category ?? ranking.categoryOf.get(query.itemId);
    return { items: top(ranking, query.k, { exclude, category }) };
  }

  invalidate(): void {
    this.cache.invalidate();
  }

  private async ranking(): Promise<Ranking> {
    return (await this.cache.get()) ?? toRanking([]);
  }
}

interface Ranking {
  entries: PopularityEntry[];
  categoryOf: Map<string, string | undefined>;
}

function toRanking(entries: PopularityEntry[]): Ranking {
  return { entries, categoryOf: new Map(entries.map((e) => [e.itemId, e.category])) };
}

function top(ranking: Ranking, k: number, filter: CandidateFilter): ScoredItemId[] {
  const items: ScoredItemId[] = [];
  for (const entry of ranking.entries) {
    if (!acceptsItem(filter, entry.itemId, entry.category)) continue;
    items.push({ itemId: entry.itemId, score: entry.score });
    if (items.length === k) break;
  }
  // Decayed sums are only comparable to each other: report them relative to the best one.
  const best = items[0]?.score || 1;
  return items.map((i) => ({ itemId: i.itemId, score: i.score / best }));
}
