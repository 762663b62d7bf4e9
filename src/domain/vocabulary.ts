/**
 * The words of the domain, which every layer uses: who can answer a list, and what a user can do.
 * Configuration reads them from the environment; it does not own them.
 */

export const STRATEGY_NAMES = ["NMF", "ALS", "EASE", "SAGEMAKER_XGBOOST", "PERSONALIZE", "POPULAR"] as const;
export type StrategyName = (typeof STRATEGY_NAMES)[number];

/** The strategy that answers when every other has failed: it never fails itself. */
export const LAST_RESORT: StrategyName = "POPULAR";

/** RATING carries its weight in `value` (explicit feedback, and CSV files with a rating column). */
export const EVENT_TYPES = ["VIEW", "ADD_TO_CART", "PURCHASE", "RATING"] as const;
export type EventType = (typeof EVENT_TYPES)[number];
