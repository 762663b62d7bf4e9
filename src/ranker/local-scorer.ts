import { loadXgbModel, type ModelSourceOptions } from "./xgboost/load";
import type { XgbModel } from "./xgboost/model";
import type { FeatureRows } from "./xgboost/rows";
import { XgbScoringError } from "./errors";
import type { XgbScorer } from "./scorer";

/** Scores in-process with the TypeScript evaluator: same answers as the endpoint, no network. */
export class XgbLocalScorer implements XgbScorer {
  constructor(
    private readonly model: XgbModel,
    readonly source: string = "local",
  ) {}

  get featureCount(): number {
    return this.model.featureCount;
  }

  /** Loads the model from a file path or s3://bucket/key. */
  static async load(uri: string, options?: ModelSourceOptions): Promise<XgbLocalScorer> {
    return new XgbLocalScorer(await loadXgbModel(uri, options), `local:${uri}`);
  }

  async score(rows: FeatureRows, signal?: AbortSignal): Promise<Float64Array> {
    if (signal?.aborted) throw new XgbScoringError("aborted", "scoring aborted before it started");
    if (rows.featureCount !== this.featureCount) {
      throw new XgbScoringError(
        "validation",
        `rows have ${rows.featureCount} features, the model expects ${this.featureCount}`,
      );
    }
    return this.model.predict(rows);
  }
}
