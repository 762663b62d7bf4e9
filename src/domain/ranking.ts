/** What a ranked list is made of, for the engines that score items and the strategies that serve them. */

/** One recommended item as a strategy returns it: best first. */
export interface ScoredItemId {
  itemId: string;
  score: number;
}

/** What every strategy must honour: never return an excluded item, and only the asked category. */
export interface CandidateFilter {
  /** Items the caller must not get back (seen items, excludeItemIds, the anchor item). */
  exclude: ReadonlySet<string>;
  category?: string;
}

/** Keeps only items the filter allows; shared by strategies that rank candidate lists. */
export function acceptsItem(filter: CandidateFilter, itemId: string, category: string | undefined): boolean {
  if (filter.exclude.has(itemId)) return false;
  return filter.category === undefined || filter.category === category;
}
