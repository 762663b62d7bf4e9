import type { FeatureRows } from "./xgboost/rows";

/** Scores rows (features in spec order) with an XGBoost model; one score per row, in row order. */
export interface XgbScorer {
  /** Where the scores come from, for logs and health: "endpoint:NAME" or "local:URI". */
  readonly source: string;
  score(rows: FeatureRows, signal?: AbortSignal): Promise<Float64Array>;
}
