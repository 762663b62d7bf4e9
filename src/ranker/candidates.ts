import { StrategyUnavailableError, type RecommendQuery, type Strategy } from "../strategies/strategy";
import type { ScoredItemId } from "../domain/ranking";
import { userContext } from "./features/compute";

/** Where the items to rank come from; they already honour the query's exclusions and category. */
export interface CandidateSource {
  candidates(query: RecommendQuery, n: number, signal: AbortSignal): Promise<ScoredItemId[]>;
}

type Recommender = Pick<Strategy, "recommend">;

/**
 * NMF top-N when a model is ready and knows the user; else popular items in the user's categories
 * (weighted by the user's interest in each), else popular items overall.
 */
export function nmfThenPopularCandidates(
  nmf: Recommender,
  popular: Recommender,
  categoryOf: (itemId: string) => Promise<string | undefined>,
): CandidateSource {
  return {
    async candidates(query, n, signal) {
      try {
        return (await nmf.recommend({ ...query, k: n }, signal)).items;
      } catch (error) {
        if (!(error instanceof StrategyUnavailableError)) throw error;
      }
      const categories =
        query.category === undefined
          ? await userCategories(query.interactions, categoryOf)
          : new Map<string, number>();
      if (categories.size === 0) return (await popular.recommend({ ...query, k: n }, signal)).items;
      const lists = await Promise.all(
        [...categories].map(async ([category, interest]) =>
          (await popular.recommend({ ...query, k: n, category }, signal)).items.map((i) => ({
            itemId: i.itemId,
            score: i.score * interest,
          })),
        ),
      );
      return lists
        .flat()
        .sort((a, b) => b.score - a.score)
        .slice(0, n);
    },
  };
}

/** The user's categories with their share of the user's weight. */
async function userCategories(
  interactions: ReadonlyMap<string, number>,
  categoryOf: (itemId: string) => Promise<string | undefined>,
): Promise<Map<string, number>> {
  const ids = [...interactions.keys()];
  const found = await Promise.all(ids.map(categoryOf));
  const known = new Map(ids.map((id, i) => [id, found[i]]));
  const { byCategory } = userContext(interactions, (id) => known.get(id));
  let total = 0;
  for (const weight of byCategory.values()) total += weight;
  return new Map([...byCategory].map(([category, weight]) => [category, weight / total]));
}
