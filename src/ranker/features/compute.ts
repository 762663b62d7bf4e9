import type { StoredEvent } from "../../store/events.store";
import { categoryCode, type FeatureSpec, type Features } from "./spec";

/** The parts of a stored event the features read. */
export type FeatureEvent = Pick<StoredEvent, "userId" | "itemId" | "type" | "weight" | "timestamp">;

const DAY_MS = 86_400_000;
const TREND_WINDOW_MS = 7 * DAY_MS;

/** Missing, rather than a made-up 0, when the denominator is empty: XGBoost learns a default branch. */
function ratio(numerator: number, denominator: number): number | undefined {
  return denominator > 0 ? numerator / denominator : undefined;
}

/** Share of keys counted more than once; missing when nothing was counted. */
function repeatShare(counts: ReadonlyMap<string, number>): number | undefined {
  let repeated = 0;
  for (const count of counts.values()) if (count > 1) repeated++;
  return ratio(repeated, counts.size);
}

export function groupBy(
  events: readonly FeatureEvent[],
  key: (e: FeatureEvent) => string,
): Map<string, FeatureEvent[]> {
  const groups = new Map<string, FeatureEvent[]>();
  for (const e of events) {
    const k = key(e);
    const group = groups.get(k);
    if (group) group.push(e);
    else groups.set(k, [e]);
  }
  return groups;
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** User features as of `now`: activity by type, purchase frequency, breadth, reorders, recency. */
export function computeUserFeatures(
  events: readonly FeatureEvent[],
  categoryOf: ReadonlyMap<string, string>,
  now: number,
): Map<string, Features> {
  const result = new Map<string, Features>();
  for (const [userId, own] of groupBy(events, (e) => e.userId)) {
    const byType = { VIEW: 0, ADD_TO_CART: 0, PURCHASE: 0, RATING: 0 };
    const days = new Set<number>();
    const items = new Set<string>();
    const categories = new Set<string>();
    const purchases = new Map<string, number>();
    let weighted = 0;
    let last = -Infinity;
    for (const e of own) {
      byType[e.type]++;
      days.add(Math.floor(e.timestamp / DAY_MS));
      items.add(e.itemId);
      const category = categoryOf.get(e.itemId);
      if (category !== undefined) categories.add(category);
      if (e.type === "PURCHASE") increment(purchases, e.itemId);
      weighted += e.weight;
      last = Math.max(last, e.timestamp);
    }
    result.set(userId, {
      u_views: byType.VIEW,
      u_add_to_carts: byType.ADD_TO_CART,
      u_purchases: byType.PURCHASE,
      u_ratings: byType.RATING,
      u_weighted_events: weighted,
      u_active_days: days.size,
      u_purchases_per_active_day: byType.PURCHASE / days.size,
      u_distinct_items: items.size,
      u_distinct_categories: categories.size,
      u_reorder_rate: repeatShare(purchases),
      u_days_since_last_event: Math.max(0, (now - last) / DAY_MS),
    });
  }
  return result;
}

/**
 * Item features as of `now` for every catalog item and every item with events: popularity,
 * conversion, reorders, the last 7 days and their trend against the 7 days before, category code.
 */
export function computeItemFeatures(
  events: readonly FeatureEvent[],
  categoryOf: ReadonlyMap<string, string>,
  spec: Pick<FeatureSpec, "categories">,
  now: number,
): Map<string, Features> {
  const groups = groupBy(events, (e) => e.itemId);
  const result = new Map<string, Features>();
  for (const itemId of new Set([...categoryOf.keys(), ...groups.keys()])) {
    const own = groups.get(itemId) ?? [];
    const users = new Set<string>();
    const buyers = new Map<string, number>();
    let weighted = 0;
    let views = 0;
    let purchases = 0;
    let recent = 0;
    let previous = 0;
    for (const e of own) {
      users.add(e.userId);
      weighted += e.weight;
      if (e.type === "VIEW") views++;
      if (e.type === "PURCHASE") {
        purchases++;
        increment(buyers, e.userId);
      }
      const age = now - e.timestamp;
      if (age < TREND_WINDOW_MS) recent += e.weight;
      else if (age < 2 * TREND_WINDOW_MS) previous += e.weight;
    }
    result.set(itemId, {
      i_distinct_users: users.size,
      i_weighted_events: weighted,
      i_purchases: purchases,
      i_conversion: ratio(purchases, views),
      i_reorder_rate: repeatShare(buyers),
      i_events_last_7d: recent,
      // Smoothed ratio: 1 is flat, above 1 rising; an item new this week does not divide by zero.
      i_trend_7d: (recent + 1) / (previous + 1),
      i_category: categoryCode(spec, categoryOf.get(itemId)),
    });
  }
  return result;
}

/** A user's weighted interactions summed per item and per category, read once per request. */
export interface UserContext {
  total: number;
  byItem: ReadonlyMap<string, number>;
  byCategory: ReadonlyMap<string, number>;
}

export function userContext(
  interactions: ReadonlyMap<string, number>,
  categoryOf: (itemId: string) => string | undefined,
): UserContext {
  let total = 0;
  const byCategory = new Map<string, number>();
  for (const [itemId, weight] of interactions) {
    total += weight;
    const category = categoryOf(itemId);
    if (category !== undefined) byCategory.set(category, (byCategory.get(category) ?? 0) + weight);
  }
  return { total, byItem: interactions, byCategory };
}

/**
 * The pair's features. `withheld` is weight to leave out of the context: the training export
 * withholds an example's own label events, which the model must not see as evidence.
 */
export function interactionFeatures(
  context: UserContext,
  itemId: string,
  category: string | undefined,
  withheld = 0,
): Features {
  const itemWeight = (context.byItem.get(itemId) ?? 0) - withheld;
  const categoryWeight =
    category === undefined ? undefined : (context.byCategory.get(category) ?? 0) - withheld;
  return {
    ui_item_weight: itemWeight,
    ui_category_weight: categoryWeight,
    ui_category_share:
      categoryWeight === undefined ? undefined : ratio(categoryWeight, context.total - withheld),
  };
}
