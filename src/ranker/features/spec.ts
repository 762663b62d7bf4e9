import { createHash } from "node:crypto";

/** Bumped when a feature's definition changes, so old specs and models are recognised as stale. */
export const FEATURE_SET_VERSION = 1;

/** Per-user features, computed by the feature job from the events table. */
export const USER_FEATURES = [
  "u_views",
  "u_add_to_carts",
  "u_purchases",
  "u_ratings",
  "u_weighted_events",
  "u_active_days",
  "u_purchases_per_active_day",
  "u_distinct_items",
  "u_distinct_categories",
  "u_reorder_rate",
  "u_days_since_last_event",
] as const;

/** Per-item features; i_category is the item's category code (see FeatureSpec.categories). */
export const ITEM_FEATURES = [
  "i_distinct_users",
  "i_weighted_events",
  "i_purchases",
  "i_conversion",
  "i_reorder_rate",
  "i_events_last_7d",
  "i_trend_7d",
  "i_category",
] as const;

/**
 * Features of the pair, computed at serving time from the user's weighted interactions (and, in the
 * export, from the same interactions minus the example's own label events):
 * the user's weight on this item, on the item's category, and the category's share of the user's weight.
 */
export const INTERACTION_FEATURES = ["ui_item_weight", "ui_category_weight", "ui_category_share"] as const;

export type Features = Partial<Record<string, number>>;

/**
 * What training export and serving share, so the column order can never drift between them.
 * Category encoding: `i_category` is the index of the item's category in `categories`; an item
 * without a category is missing (NaN). Indexes are stable: a new run keeps the previous spec's
 * categories in place and appends new ones at the end, so a trained model keeps its meaning.
 */
export interface FeatureSpec {
  /** `v<FEATURE_SET_VERSION>-<hash of features and categories>`. */
  version: string;
  /** Column order of every row: user, item, then interaction features. */
  features: string[];
  categories: string[];
  /** epoch ms of the feature job that wrote it */
  createdAt: number;
}

/** The spec for a catalog's categories, keeping the codes of a previous spec. */
export function buildFeatureSpec(
  categories: Iterable<string>,
  previous: FeatureSpec | undefined,
  createdAt: number,
): FeatureSpec {
  const kept = previous?.categories ?? [];
  const known = new Set(kept);
  const added = [...new Set(categories)].filter((c) => !known.has(c)).sort();
  const features = [...USER_FEATURES, ...ITEM_FEATURES, ...INTERACTION_FEATURES];
  const all = [...kept, ...added];
  const hash = createHash("sha256")
    .update(JSON.stringify({ features, categories: all }))
    .digest("hex");
  return { version: `v${FEATURE_SET_VERSION}-${hash.slice(0, 12)}`, features, categories: all, createdAt };
}

/** Code of a category in the spec; undefined (missing) for an unknown or absent category. */
export function categoryCode(
  spec: Pick<FeatureSpec, "categories">,
  category: string | undefined,
): number | undefined {
  if (category === undefined) return undefined;
  const index = spec.categories.indexOf(category);
  return index < 0 ? undefined : index;
}
