import DataLoader from "dataloader";
import type { CandidateSource } from "./candidates";
import { interactionFeatures, userContext } from "./features/compute";
import { statsKeys } from "../store/keys";
import type { FeatureStore } from "./features/feature.store";
import { buildFeatureRows } from "./features/rows";
import type { FeatureSpec, Features } from "./features/spec";
import type { Logger } from "../observability/logger";
import { XgbScoringError } from "./errors";
import { BackgroundRefresh } from "../shared/background-refresh";
import type { XgbScorer } from "./scorer";
import {
  StrategyUnavailableError,
  type RecommendQuery,
  type Strategy,
  type StrategyResult,
  type StrategyStatus,
} from "../strategies/strategy";

export interface XgbRankerDeps {
  features: Pick<FeatureStore, "getSpec" | "getMany">;
  /** The endpoint scorer, or the in-process one (loads its model file). Called until it succeeds. */
  loadScorer: () => Promise<XgbScorer>;
  candidates: CandidateSource;
  categoryOf: (itemId: string) => Promise<string | undefined>;
  log: Pick<Logger, "info" | "warn">;
}

export interface XgbRankerOptions {
  /** How many candidates are ranked (SAGEMAKER_CANDIDATES). */
  candidates: number;
  /** How often the feature spec is re-read, so a new `recs features` run is picked up. */
  refreshSeconds: number;
}

interface Loaded {
  spec: FeatureSpec;
  scorer: XgbScorer;
}

/**
 * Ranks candidates with an XGBoost binary classifier ("will this user buy this item?"): features
 * from the stats table through a per-request DataLoader, rows in feature-spec order, scored on a
 * SageMaker endpoint or in-process. A missing spec or model makes it unavailable (the router falls
 * back); endpoint errors are thrown, so the router falls back and counts them in its breaker.
 */
export class XgbRankerStrategy implements Strategy {
  // The public strategy name (GraphQL enum, RECS_STRATEGY) predates in-process scoring: kept as a contract.
  readonly name = "SAGEMAKER_XGBOOST" as const;
  private readonly loaded: BackgroundRefresh<Loaded>;
  private scorer: Promise<XgbScorer> | undefined;

  constructor(
    private readonly deps: XgbRankerDeps,
    private readonly options: XgbRankerOptions,
    now?: () => number,
  ) {
    // Re-reading the spec every refreshSeconds picks up a new `recs features` run; a failed re-check
    // keeps serving what was loaded.
    this.loaded = new BackgroundRefresh(
      (current) => this.check(current),
      options.refreshSeconds,
      (error) => deps.log.warn("xgboost ranker unavailable", { error: (error as Error).message }),
      now,
    );
  }

  /**
   * Ready once loaded, and before the first load (the first request loads spec and model and waits
   * for them); not ready after a failed first load, until a later check succeeds.
   */
  status(): StrategyStatus {
    const loaded = this.loaded.peek();
    const error = this.loaded.error;
    return {
      configured: true,
      ready: loaded !== undefined || error === undefined,
      modelVersion: loaded && modelVersion(loaded),
      detail: error ?? (loaded ? undefined : "spec and model load on the first request"),
    };
  }

  async recommend(query: RecommendQuery, signal: AbortSignal): Promise<StrategyResult> {
    const loaded = await this.loaded.get();
    if (!loaded) throw new StrategyUnavailableError(this.name, this.loaded.error ?? "not loaded");
    const candidates = await this.deps.candidates.candidates(query, this.options.candidates, signal);
    if (candidates.length === 0) throw new StrategyUnavailableError(this.name, "no candidates for this user");
    const itemIds = candidates.map((c) => c.itemId);

    // Per request: DataLoader caches must never outlive the request (features change between them).
    const features = new DataLoader<string, Features | undefined>((keys) => this.deps.features.getMany(keys));
    const [user, items, categories] = await Promise.all([
      features.load(statsKeys.userFeatures(query.userId)),
      Promise.all(itemIds.map((id) => features.load(statsKeys.itemFeatures(id)))),
      this.categories([...query.interactions.keys(), ...itemIds]),
    ]);
    const context = userContext(query.interactions, (id) => categories.get(id));
    const rows = buildFeatureRows(
      loaded.spec,
      itemIds.map((itemId, i) => ({
        user,
        item: items[i],
        pair: interactionFeatures(context, itemId, categories.get(itemId)),
      })),
    );

    let scores: Float64Array;
    try {
      scores = await loaded.scorer.score(rows, signal);
    } catch (error) {
      if (error instanceof XgbScoringError) {
        this.deps.log.warn("xgboost scoring failed", {
          kind: error.kind,
          code: error.code,
          source: loaded.scorer.source,
        });
      }
      throw error;
    }
    const ranked = itemIds
      .map((itemId, i) => ({ itemId, score: scores[i]! }))
      .sort((a, b) => b.score - a.score)
      .slice(0, query.k);
    return { items: ranked, modelVersion: modelVersion(loaded) };
  }

  /** No ranker for related items: the router asks the next strategy in the chain. */
  async related(): Promise<StrategyResult> {
    throw new StrategyUnavailableError(this.name, "related items are not ranked by the XGBoost model");
  }

  private async categories(itemIds: readonly string[]): Promise<Map<string, string | undefined>> {
    const unique = [...new Set(itemIds)];
    const found = await Promise.all(unique.map((id) => this.deps.categoryOf(id)));
    return new Map(unique.map((id, i) => [id, found[i]]));
  }

  /** The spec, and the scorer loaded once (a scorer that failed to load is tried again next time). */
  private async check(current: Loaded | undefined): Promise<Loaded> {
    this.scorer ??= this.deps.loadScorer();
    const scorer = this.scorer;
    scorer.catch(() => {
      if (this.scorer === scorer) this.scorer = undefined;
    });
    const [spec, loadedScorer] = await Promise.all([this.deps.features.getSpec(), scorer]);
    if (!spec) throw new Error("no feature spec: run `npx recs features`");
    const expected = loadedScorer.featureCount ?? spec.features.length;
    if (expected !== spec.features.length) {
      throw new Error(
        `the model reads ${expected} features, the feature spec ${spec.version} has ${spec.features.length}`,
      );
    }
    if (current?.spec.version !== spec.version || current.scorer !== loadedScorer) {
      this.deps.log.info("xgboost ranker loaded", { source: loadedScorer.source, specVersion: spec.version });
    }
    return { spec, scorer: loadedScorer };
  }
}

function modelVersion({ scorer, spec }: Loaded): string {
  return `${scorer.source}+features-${spec.version}`;
}
