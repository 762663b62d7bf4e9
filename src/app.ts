import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { version } from "../package.json";
import { familiesInUse, familyConfig, type Config } from "./config";
import { STRATEGY_NAMES, type StrategyName } from "./domain/vocabulary";
import { FeatureStore } from "./ranker/features/feature.store";
import type { ModelFamily } from "./factors/family";
import { createModelStore, type ModelStore } from "./factors/store";
import { ModelHolder } from "./factors/store/model-holder";
import { FAMILY_NAMES, type FamilyName } from "./factors/types";
import { FAMILIES } from "./families";
import { flushLogs, Logger } from "./observability/logger";
import { createMetrics, type Metrics } from "./observability/metrics";
import { CampaignMonitor } from "./personalize/campaign-status";
import {
  createPersonalizeControlClient,
  createPersonalizeEventsClient,
  createPersonalizeRuntimeClient,
} from "./personalize/clients";
import { PersonalizeEventForwarder } from "./personalize/event-forwarder";
import { AttributionService } from "./recommend/attribution.service";
import { EventService } from "./recommend/event.service";
import { Ingestion } from "./ingest/ingestion";
import { RecommendationService } from "./recommend/recommendation.service";
import { XgbEndpointScorer } from "./ranker/endpoint-scorer";
import { XgbLocalScorer } from "./ranker/local-scorer";
import type { XgbScorer } from "./ranker/scorer";
import { Secrets } from "./security/secrets";
import { AttributionStore } from "./store/attribution.store";
import { CachingItemStore } from "./store/cached-items.store";
import { settleWithin } from "./shared/deadline";
import { CachingUserStore } from "./store/cached-users.store";
import { ItemCategories } from "./store/item-categories";
import { createDocumentClient } from "./store/dynamo";
import { EventStore } from "./store/events.store";
import { IdempotencyStore } from "./store/idempotency.store";
import { PopularityStore } from "./store/popularity.store";
import { FactorModelStrategy } from "./strategies/factor-model";
import { PersonalizeStrategy } from "./strategies/personalize";
import { PopularStrategy } from "./strategies/popular";
import { variantName } from "./strategies/ab";
import { StrategyRouter } from "./strategies/router";
import { nmfThenPopularCandidates } from "./ranker/candidates";
import { XgbRankerStrategy } from "./ranker/strategy";
import type { Strategy } from "./strategies/strategy";

export const VERSION = version;

export interface Stores {
  items: CachingItemStore;
  events: EventStore;
  users: CachingUserStore;
  popularity: PopularityStore;
}

export interface HealthReport {
  status: string;
  stage: string;
  version: string;
  defaultStrategy: StrategyName;
  uptimeSeconds: number;
  strategies: Array<{
    name: StrategyName;
    configured: boolean;
    ready: boolean;
    modelVersion?: string;
    detail?: string;
    circuit: string;
  }>;
}

/** Everything a request, a CLI job or a scheduled event needs, wired once per process. */
export interface App {
  config: Config;
  log: Logger;
  metrics: Metrics;
  db: DynamoDBDocumentClient;
  stores: Stores;
  catalog: ItemCategories;
  /** Loads the model of every family the router can use (at start: no request finds one not ready). */
  loadModels(): Promise<void>;
  /** Each in-process family's model store and the model it serves. */
  factorModels: Record<FamilyName, FamilyModels>;
  popular: PopularStrategy;
  router: StrategyRouter;
  recommendations: RecommendationService;
  events: EventService;
  ingestion: Ingestion;
  attribution: AttributionService;
  /** API keys and the user-id HMAC key; `refresh()` before serving (they may live in SSM). */
  secrets: Secrets;
  health(): HealthReport;
  /** The configured Personalize campaign's state (DescribeCampaign, cached) for the health query. */
  personalizeCampaign?: CampaignMonitor;
  /**
   * Sends whatever is buffered (metrics, forwarded events), waiting at most `deadlineMs` (default
   * FLUSH_DEADLINE_MS): Lambda calls it after each invocation, and the response waits for it.
   */
  flush(deadlineMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface FamilyModels {
  store: ModelStore;
  holder: ModelHolder;
}

export interface AppOverrides {
  db?: DynamoDBDocumentClient;
  log?: Logger;
}

export function createApp(config: Config, overrides: AppOverrides = {}): App {
  const startedAt = Date.now();
  const log =
    overrides.log ?? new Logger(config.logLevel, { service: "recommendation-gateway", stage: config.stage });
  const secrets = new Secrets(config.security, config.aws.region, log);
  const metrics = createMetrics({ ...config.metrics, region: config.aws.region }, log);
  const db =
    overrides.db ?? createDocumentClient({ region: config.aws.region, endpoint: config.dynamo.endpoint });
  const { tables } = config.dynamo;
  const stores: Stores = {
    items: new CachingItemStore(db, tables.items, { ttlSeconds: config.catalog.cacheSeconds }),
    events: new EventStore(db, tables.events, { days: config.dynamo.eventTtlDays }),
    users: new CachingUserStore(db, tables.users, config.users.cacheSeconds),
    popularity: new PopularityStore(db, tables.stats, config.popular.halfLifeDays),
  };
  const catalog = new ItemCategories(stores.items);
  const familyModels = (family: ModelFamily, uri: string): FamilyModels => {
    const store = createModelStore(uri, family, { region: config.aws.region });
    return { store, holder: new ModelHolder(store, config.model.refreshSeconds, log) };
  };
  const byFamily = <T>(make: (family: FamilyName) => T) =>
    Object.fromEntries(FAMILY_NAMES.map((family) => [family, make(family)])) as Record<FamilyName, T>;
  const factorModels = byFamily((family) => familyModels(FAMILIES[family], familyConfig(config, family).uri));

  const popular = new PopularStrategy(stores.popularity, config.popular.refreshSeconds, log);
  const factorStrategies = byFamily((family) => new FactorModelStrategy(family, factorModels[family].holder));
  const nmf = factorStrategies.NMF;
  const personalize = createPersonalize(config, log);
  const xgbRanker = createXgbRanker(config, { db, log, nmf, popular, catalog });
  const strategies = new Map<StrategyName, Strategy>([
    ...Object.values(factorStrategies).map((s) => [s.name, s] as const),
    [popular.name, popular],
    ...(xgbRanker ? ([[xgbRanker.name, xgbRanker]] as const) : []),
    ...(personalize ? ([[personalize.strategy.name, personalize.strategy]] as const) : []),
  ]);
  const router = new StrategyRouter(
    strategies,
    {
      defaultStrategy: config.router.strategy,
      fallback: config.router.fallback,
      timeoutMs: config.router.timeoutMs,
      timeouts: config.router.timeouts,
      ab: config.router.ab,
      breaker: config.router.breaker,
    },
    log,
    metrics,
  );

  const abControl = config.router.ab[0];
  const attribution = new AttributionService(
    new AttributionStore(db, tables.stats),
    log,
    Date.now,
    abControl && variantName(abControl),
  );
  const ingestion = new Ingestion({
    users: stores.users,
    popularity: stores.popularity,
    catalog,
    // The vector stored with a user is the one of the factor model that serves them (NMF's for the
    // other strategies: the XGBoost ranker takes its candidates from it); a request to another
    // family folds in afresh from the same interactions.
    folder: {
      foldIn: (interactions, userId) =>
        (factorStrategies[router.assigned(userId) as FamilyName] ?? nmf).foldIn(interactions),
    },
    listeners: [...strategies.values()].filter((s) => s.onEvent),
    attribution,
    metrics,
    log,
    pseudonymise: (userId) => secrets.pseudonymise(userId),
  });
  // Queries look users up under the same key their events were stored with.
  const recommendations = new RecommendationService(
    router,
    stores.users,
    { allowOverride: config.router.allowOverride },
    attribution,
    (userId) => ingestion.userKey(userId),
  );
  const events = new EventService({
    events: stores.events,
    idempotency: new IdempotencyStore(db, tables.stats),
    ingestion,
    rules: { ...config.events },
  });

  return {
    config,
    log,
    metrics,
    db,
    stores,
    catalog,
    async loadModels() {
      await Promise.all(familiesInUse(config).map((family) => factorModels[family].holder.load()));
    },
    factorModels,
    popular,
    router,
    recommendations,
    events,
    ingestion,
    attribution,
    secrets,
    personalizeCampaign: personalize?.campaign,
    health() {
      const statuses = router.status();
      const configured = new Set(statuses.map((s) => s.name));
      const all = [
        ...statuses,
        ...STRATEGY_NAMES.filter((name) => !configured.has(name)).map((name) => ({
          name,
          configured: false,
          ready: false,
          detail: "not configured",
          circuit: "closed",
        })),
      ];
      const chosen = all.find((s) => s.name === config.router.strategy);
      return {
        status: chosen?.ready ? "ok" : "degraded",
        stage: config.stage,
        version: VERSION,
        defaultStrategy: config.router.strategy,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        strategies: all,
      };
    },
    async flush(deadlineMs = config.flush.deadlineMs) {
      // Attribution counters are not here: they are written on their own interval (idempotent totals).
      await settleWithin(
        Promise.all([metrics.flush(), personalize?.forwarder?.flush(deadlineMs)]),
        deadlineMs,
      );
      flushLogs();
    },
    async close() {
      await Promise.all([attribution.flush(), personalize?.forwarder?.flush()]);
      await metrics.close();
      attribution.close();
      db.destroy();
    },
  };
}

/**
 * Registered when a campaign, recommender, similar-items resource or event tracker is configured;
 * events forward even without a campaign, and a similar-items resource alone answers relatedItems.
 */
function createPersonalize(config: Config, log: Logger) {
  const p = config.personalize;
  if (!p.campaignArn && !p.recommenderArn && !p.similarItemsArn && !p.trackingId) return undefined;
  const forwarder = p.trackingId
    ? new PersonalizeEventForwarder(
        createPersonalizeEventsClient({ region: config.aws.region, endpointUrl: p.eventsEndpointUrl }),
        { trackingId: p.trackingId, logger: log },
      )
    : undefined;
  const client = createPersonalizeRuntimeClient({ region: config.aws.region, endpointUrl: p.endpointUrl });
  const campaign = p.campaignArn
    ? new CampaignMonitor(
        createPersonalizeControlClient({
          region: config.aws.region,
          endpointUrl: p.controlEndpointUrl,
          maxAttempts: 1,
        }),
        p.campaignArn,
        p.statusSeconds,
        log,
      )
    : undefined;
  return { strategy: new PersonalizeStrategy(p, client, forwarder), forwarder, campaign };
}

/** Registered when an endpoint or an in-process model is configured; XGBOOST_MODEL_URI wins over the endpoint. */
function createXgbRanker(
  config: Config,
  parts: {
    db: DynamoDBDocumentClient;
    log: Logger;
    nmf: FactorModelStrategy;
    popular: PopularStrategy;
    catalog: ItemCategories;
  },
): XgbRankerStrategy | undefined {
  const s = config.sagemaker;
  const { endpointName, xgboostModelUri } = s;
  if (!endpointName && !xgboostModelUri) return undefined;
  const region = config.aws.region;
  const loadScorer = async (): Promise<XgbScorer> =>
    xgboostModelUri
      ? XgbLocalScorer.load(xgboostModelUri, { region })
      : new XgbEndpointScorer({
          endpointName: endpointName!,
          region,
          endpointUrl: s.endpointUrl,
          timeoutMs: s.timeoutMs,
        });
  const categoryOf = (itemId: string) => parts.catalog.categoryOf(itemId);
  return new XgbRankerStrategy(
    {
      features: new FeatureStore(parts.db, config.dynamo.tables.stats),
      loadScorer,
      candidates: nmfThenPopularCandidates(parts.nmf, parts.popular, categoryOf),
      categoryOf,
      log: parts.log,
    },
    { candidates: s.candidates, refreshSeconds: config.model.refreshSeconds },
  );
}
