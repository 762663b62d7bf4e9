import type { FeatureRows } from "./xgboost/rows";

/** Scores rows (features in spec order) with an XGBoost model; one score per row, in row order. */
export interface XgbScorer {
  /** Where the scores come from, for logs and health: "endpoint:NAME" or "local:URI". */
  readonly source: string;
  /**
   * Features per row the model reads, when the scorer can see its model (in-process): a mismatch with
   * the feature spec then makes the ranker unavailable at load instead of failing every request.
   */
  readonly featureCount?: number;
  score(rows: FeatureRows, signal?: AbortSignal): Promise<Float64Array>;
}
