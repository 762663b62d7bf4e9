import { availableParallelism } from "node:os";
import path from "node:path";
import type { AlsParams } from "./als/types";
import type { EaseParams } from "./ease/types";
import {
  EVENT_TYPES,
  LAST_RESORT,
  STRATEGY_NAMES,
  type EventType,
  type StrategyName,
} from "./domain/vocabulary";
import { MAX_THREADS } from "./factors/kernels/kernel-threads";
import { FAMILY_NAMES, type FamilyName } from "./factors/types";
import type { NmfParams } from "./nmf/types";

/**
 * The one place that reads the environment. Everything else receives a `Config`.
 * Every variable is documented in the README's configuration table.
 */

export const LANDING_PAGES = ["graphiql", "sandbox", "off"] as const;
export type LandingPage = (typeof LANDING_PAGES)[number];

export interface AbVariant {
  strategy: StrategyName;
  weight: number;
}

export interface Config {
  /** "local" runs on the embedded store; anything else is a deployed stage. */
  stage: string;
  production: boolean;
  onLambda: boolean;
  logLevel: "debug" | "info" | "warn" | "error" | "silent";
  http: { host: string; port: number; corsOrigins: string[] | true; maxBodyBytes: number };
  /**
   * landingPage: what a browser sees at GET /graphql (GraphiQL from installed assets, Apollo Sandbox from
   * its CDN, or nothing); compile: repeated operations run as graphql-jit code (off: all through graphql-js).
   */
  graphql: { landingPage: LandingPage; introspection: boolean; compile: boolean };
  /** The operator dashboard at /dashboard (its data comes from /graphql, behind API_KEYS like any query). */
  dashboard: boolean;
  aws: { region: string };
  dynamo: {
    /** Undefined: start dynalite in-process (local) or use real DynamoDB (Lambda). */
    endpoint?: string;
    embedded: boolean;
    dataDir: string;
    tables: { items: string; events: string; users: string; stats: string };
    /** Counted from when an event is stored; 0 keeps events forever. */
    eventTtlDays: number;
  };
  seed: { onStart: boolean; users: number; items: number; seed: number };
  events: { weights: Record<EventType, number>; maxBatch: number; maxFutureSkewSeconds: number };
  model: {
    uri: string;
    keep: number;
    refreshSeconds: number;
    components: number;
    iterations: number;
    l2: number;
    l1: number;
    seed: number;
    gateAllowedNdcgDrop: number;
    /** Threads that share a training epoch (this one included). */
    threads: number;
    /** NMF settings given in the environment: they win over what `recs tune` stored. */
    explicit: Array<keyof NmfParams>;
  };
  /** The ALS family: its own model store (default: the `als` folder of MODEL_URI) and settings. */
  als: AlsParams & {
    uri: string;
    /** ALS settings given in the environment: they win over what `recs tune` stored. */
    explicit: Array<keyof AlsParams>;
  };
  /** The EASE family: its own model store (default: the `ease` folder of MODEL_URI) and its λ. */
  ease: Pick<EaseParams, "regularization"> & {
    uri: string;
    explicit: Array<keyof EaseParams>;
  };
  router: {
    strategy: StrategyName;
    fallback: StrategyName[];
    ab: AbVariant[];
    allowOverride: boolean;
    timeoutMs: number;
    /** Per-strategy overrides of timeoutMs. */
    timeouts: Partial<Record<StrategyName, number>>;
    breaker: { failures: number; windowSeconds: number; openSeconds: number };
  };
  popular: { halfLifeDays: number; refreshSeconds: number };
  /** Scheduled retraining (the retrain Lambda): where it reads the events from. */
  retrain: {
    /**
     * Above this many events a table export to S3 is read instead of a Scan. Compared with
     * DescribeTable's ItemCount, which DynamoDB refreshes about every 6 hours.
     */
    exportAboveEvents: number;
    /** s3://bucket/prefix for table exports; unset = always scan. */
    exportUri?: string;
  };
  catalog: { cacheSeconds: number };
  /** Write-through cache of user state; only coherent with a single writer process (embedded store). */
  users: { cacheSeconds: number };
  sagemaker: {
    endpointName?: string;
    endpointUrl?: string;
    timeoutMs: number;
    candidates: number;
    xgboostModelUri?: string;
  };
  personalize: {
    campaignArn?: string;
    recommenderArn?: string;
    similarItemsArn?: string;
    trackingId?: string;
    endpointUrl?: string;
    eventsEndpointUrl?: string;
    categoryFilterArn?: string;
    /** A filter that excludes the items a user interacted with (no parameters): replaces the over-fetch for seen items. */
    seenFilterArn?: string;
    /** Control-plane endpoint override (DescribeCampaign for health; `recs personalize-*`). */
    controlEndpointUrl?: string;
    /** How long health reuses the campaign's DescribeCampaign answer. */
    statusSeconds: number;
  };
  metrics: { sink: "emf" | "cloudwatch" | "off"; namespace: string; endpointUrl?: string };
  /**
   * How long the end of a Lambda invocation may wait for background work (metrics, Personalize
   * events); what is left goes on in the background and is finished by the next invocation.
   */
  flush: { deadlineMs: number };
  security: {
    /** Plain values (local use); each is read from SSM instead when its parameter name is set. */
    apiKeys: string[];
    userIdHmacKey?: string;
    /** Names of SSM parameters (SecureString) holding the secrets, read at run time (src/security/secrets.ts). */
    parameters: { apiKeys?: string; userIdHmacKey?: string };
    /** How long a value read from SSM is reused: a rotated secret takes effect within this time. */
    maxAgeSeconds: number;
    ssmEndpointUrl?: string;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

/** Collects every problem instead of stopping at the first, so one start shows them all. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  /** Whether the variable is set (to tell a chosen value from a default). */
  given(name: string): boolean {
    return this.optional(name) !== undefined;
  }

  str(name: string, fallback: string): string {
    const raw = this.env[name]?.trim();
    return raw ? raw : fallback;
  }

  optional(name: string): string | undefined {
    const raw = this.env[name]?.trim();
    return raw ? raw : undefined;
  }

  num(name: string, fallback: number, min: number, max: number, integer = true): number {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
      this.problems.push(`${name}=${raw}: expected ${integer ? "an integer" : "a number"} in ${min}..${max}`);
      return fallback;
    }
    return value;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (["1", "true", "yes", "on"].includes(raw)) return true;
    if (["0", "false", "no", "off"].includes(raw)) return false;
    this.problems.push(`${name}=${raw}: expected true or false`);
    return fallback;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    const match = allowed.find((a) => a.toLowerCase() === raw.toLowerCase());
    if (!match) this.problems.push(`${name}=${raw}: expected one of ${allowed.join(", ")}`);
    return match ?? fallback;
  }

  list(name: string, fallback: string[]): string[] {
    const raw = this.optional(name);
    if (raw === undefined) return fallback;
    return raw
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  }

  strategies(name: string, fallback: StrategyName[]): StrategyName[] {
    return this.list(name, fallback).map((s) => this.strategyName(name, s));
  }

  strategyName(name: string, raw: string): StrategyName {
    const match = STRATEGY_NAMES.find((s) => s === raw.toUpperCase());
    if (!match)
      this.problems.push(`${name}: unknown strategy "${raw}" (known: ${STRATEGY_NAMES.join(", ")})`);
    return match ?? LAST_RESORT;
  }

  /** "NMF:80,PERSONALIZE:20": strategy names with positive numbers (A/B weights, timeouts). */
  perStrategy(name: string): Array<[StrategyName, number]> {
    return this.list(name, []).map((part) => {
      const [strategy, number] = part.split(":");
      const n = Number(number);
      if (!Number.isFinite(n) || n <= 0) this.problems.push(`${name}: "${part}" needs a positive number`);
      return [this.strategyName(name, strategy ?? ""), n > 0 ? n : 0];
    });
  }

  /** graphiql, sandbox or off; true and false (the older boolean form) mean graphiql and off. */
  landingPage(name: string, fallback: LandingPage): LandingPage {
    const raw = this.optional(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (["1", "true", "yes", "on"].includes(raw)) return "graphiql";
    if (["0", "false", "no"].includes(raw)) return "off";
    return this.oneOf(name, LANDING_PAGES, fallback);
  }

  /** "VIEW:1,ADD_TO_CART:3,PURCHASE:5", missing types keep their defaults; RATING multiplies the rating. */
  weights(name: string, fallback: Record<EventType, number>): Record<EventType, number> {
    const result = { ...fallback };
    for (const part of this.list(name, [])) {
      const [type, weight] = part.split(":");
      const key = EVENT_TYPES.find((t) => t === type?.trim().toUpperCase());
      const w = Number(weight);
      if (!key || !Number.isFinite(w) || w < 0) this.problems.push(`${name}: cannot read "${part}"`);
      else result[key] = w;
    }
    return result;
  }
}

export function loadConfig(env: Env = process.env): Config {
  const r = new EnvReader(env);
  const onLambda = Boolean(env.AWS_LAMBDA_FUNCTION_NAME);
  const stage = r.str("STAGE", onLambda ? "prod" : "local");
  const local = stage === "local";
  // Every deployed stage behaves as production (masked errors, no Sandbox unless asked for).
  const production = !local;
  const endpoint = r.optional("DYNAMODB_ENDPOINT");
  // Off: the real DynamoDB with the standard AWS credentials (the CLI against a deployed stack).
  const embedded = !endpoint && r.bool("EMBEDDED_DYNAMODB", !onLambda);
  const cors = r.list("CORS_ORIGINS", local ? ["*"] : []);
  const modelUri = r.str("MODEL_URI", "./models");
  // The settings of a family given in the environment: each is PREFIX + its name in capitals, words split by "_".
  const explicit = <K extends string>(prefix: string, keys: readonly K[]): K[] =>
    keys.filter((key) => r.given(prefix + key.replace(/[A-Z]/g, "_$&").toUpperCase()));

  const config: Config = {
    stage,
    production,
    onLambda,
    logLevel: r.oneOf("LOG_LEVEL", ["debug", "info", "warn", "error", "silent"] as const, "info"),
    http: {
      host: r.str("HOST", "localhost"),
      port: r.num("PORT", 4000, 0, 65535),
      corsOrigins: cors.includes("*") ? true : cors,
      maxBodyBytes: r.num("MAX_BODY_BYTES", 100_000, 1_000, 10_000_000),
    },
    graphql: {
      landingPage: r.landingPage("LANDING_PAGE", production ? "off" : "graphiql"),
      introspection: r.bool("INTROSPECTION", !production),
      compile: r.bool("GRAPHQL_COMPILE", true),
    },
    dashboard: r.bool("DASHBOARD", !production),
    aws: { region: r.str("AWS_REGION", "us-east-1") },
    dynamo: {
      endpoint,
      embedded,
      dataDir: path.resolve(r.str("DATA_DIR", "./data")),
      tables: {
        items: r.str("ITEMS_TABLE", "recs-items"),
        events: r.str("EVENTS_TABLE", "recs-events"),
        users: r.str("USERS_TABLE", "recs-users"),
        stats: r.str("STATS_TABLE", "recs-stats"),
      },
      eventTtlDays: r.num("EVENT_TTL_DAYS", 365, 0, 36_500),
    },
    seed: {
      onStart: r.bool("SEED_ON_START", local),
      users: r.num("SEED_USERS", 500, 1, 1_000_000),
      items: r.num("SEED_ITEMS", 1_000, 10, 1_000_000),
      seed: r.num("SEED_RANDOM", 42, 0, 2 ** 31),
    },
    events: {
      weights: r.weights("EVENT_WEIGHTS", { VIEW: 1, ADD_TO_CART: 3, PURCHASE: 5, RATING: 1 }),
      maxBatch: r.num("EVENTS_MAX_BATCH", 25, 1, 25),
      maxFutureSkewSeconds: 300,
    },
    model: {
      uri: modelUri,
      keep: r.num("MODEL_KEEP", 5, 1, 1000),
      refreshSeconds: r.num("MODEL_REFRESH_SECONDS", 60, 0, 86_400),
      components: r.num("NMF_COMPONENTS", 32, 1, 512),
      iterations: r.num("NMF_ITERATIONS", 200, 1, 10_000),
      l2: r.num("NMF_L2", 0.05, 0, 1e6, false),
      l1: r.num("NMF_L1", 0, 0, 1e6, false),
      seed: r.num("NMF_SEED", 42, 0, 2 ** 31),
      gateAllowedNdcgDrop: r.num("MODEL_GATE_TOLERANCE", 0.02, 0, 1, false),
      threads: r.num("NMF_THREADS", Math.min(availableParallelism(), MAX_THREADS), 1, MAX_THREADS),
      explicit: explicit("NMF_", ["components", "iterations", "l2", "l1", "seed"] as const),
    },
    als: {
      // A subfolder of MODEL_URI: the NMF store takes only version-named folders as its versions.
      uri: r.str("ALS_MODEL_URI", `${modelUri.replace(/\/+$/, "")}/als`),
      components: r.num("ALS_COMPONENTS", 32, 1, 512),
      iterations: r.num("ALS_ITERATIONS", 15, 1, 1_000),
      regularization: r.num("ALS_REGULARIZATION", 10, 1e-6, 1e6, false),
      regularizationExponent: r.num("ALS_REGULARIZATION_EXPONENT", 0, 0, 2, false),
      alpha: r.num("ALS_ALPHA", 1, 0, 1e6, false),
      seed: r.num("ALS_SEED", 42, 0, 2 ** 31),
      explicit: explicit("ALS_", [
        "components",
        "iterations",
        "regularization",
        "regularizationExponent",
        "alpha",
        "seed",
      ] as const),
    },
    ease: {
      uri: r.str("EASE_MODEL_URI", `${modelUri.replace(/\/+$/, "")}/ease`),
      regularization: r.num("EASE_REGULARIZATION", 250, 1e-6, 1e9, false),
      explicit: explicit("EASE_", ["regularization"] as const),
    },
    router: {
      strategy: r.strategyName("RECS_STRATEGY", r.str("RECS_STRATEGY", "NMF")),
      fallback: r.strategies("RECS_FALLBACK", [LAST_RESORT]),
      ab: r.perStrategy("RECS_AB").map(([strategy, weight]) => ({ strategy, weight })),
      allowOverride: r.bool("ALLOW_STRATEGY_OVERRIDE", local),
      timeoutMs: r.num("STRATEGY_TIMEOUT_MS", 300, 1, 60_000),
      timeouts: Object.fromEntries(r.perStrategy("STRATEGY_TIMEOUTS")),
      breaker: {
        failures: r.num("BREAKER_FAILURES", 5, 1, 1000),
        windowSeconds: r.num("BREAKER_WINDOW_SECONDS", 30, 1, 3600),
        openSeconds: r.num("BREAKER_OPEN_SECONDS", 30, 1, 3600),
      },
    },
    popular: {
      halfLifeDays: r.num("POPULAR_HALF_LIFE_DAYS", 7, 0.1, 3650, false),
      refreshSeconds: r.num("POPULAR_REFRESH_SECONDS", 60, 0, 86_400),
    },
    retrain: {
      exportAboveEvents: r.num("RETRAIN_EXPORT_ABOVE_EVENTS", 2_000_000, 0, Number.MAX_SAFE_INTEGER),
      exportUri: r.optional("RETRAIN_EXPORT_URI"),
    },
    catalog: { cacheSeconds: r.num("CATALOG_CACHE_SECONDS", 300, 0, 86_400) },
    users: { cacheSeconds: r.num("USER_CACHE_SECONDS", embedded ? 300 : 0, 0, 86_400) },
    sagemaker: {
      endpointName: r.optional("SAGEMAKER_ENDPOINT_NAME"),
      endpointUrl: r.optional("SAGEMAKER_ENDPOINT_URL"),
      timeoutMs: r.num("SAGEMAKER_TIMEOUT_MS", 250, 1, 60_000),
      candidates: r.num("SAGEMAKER_CANDIDATES", 200, 1, 10_000),
      xgboostModelUri: r.optional("XGBOOST_MODEL_URI"),
    },
    personalize: {
      campaignArn: r.optional("PERSONALIZE_CAMPAIGN_ARN"),
      recommenderArn: r.optional("PERSONALIZE_RECOMMENDER_ARN"),
      similarItemsArn: r.optional("PERSONALIZE_SIMILAR_ITEMS_ARN"),
      trackingId: r.optional("PERSONALIZE_TRACKING_ID"),
      endpointUrl: r.optional("PERSONALIZE_ENDPOINT_URL"),
      eventsEndpointUrl: r.optional("PERSONALIZE_EVENTS_ENDPOINT_URL"),
      categoryFilterArn: r.optional("PERSONALIZE_CATEGORY_FILTER_ARN"),
      seenFilterArn: r.optional("PERSONALIZE_SEEN_FILTER_ARN"),
      controlEndpointUrl: r.optional("PERSONALIZE_CONTROL_ENDPOINT_URL"),
      statusSeconds: r.num("PERSONALIZE_STATUS_SECONDS", 300, 1, 86_400),
    },
    metrics: {
      sink: r.oneOf("METRICS_SINK", ["emf", "cloudwatch", "off"] as const, onLambda ? "emf" : "off"),
      namespace: r.str("CLOUDWATCH_NAMESPACE", "RecommendationSystem"),
      endpointUrl: r.optional("CLOUDWATCH_ENDPOINT_URL"),
    },
    flush: { deadlineMs: r.num("FLUSH_DEADLINE_MS", 50, 0, 5_000) },
    security: {
      apiKeys: r.list("API_KEYS", []),
      userIdHmacKey: r.optional("USER_ID_HMAC_KEY"),
      parameters: {
        apiKeys: r.optional("API_KEYS_PARAMETER"),
        userIdHmacKey: r.optional("USER_ID_HMAC_KEY_PARAMETER"),
      },
      maxAgeSeconds: r.num("SECRETS_MAX_AGE_SECONDS", 300, 1, 86_400),
      ssmEndpointUrl: r.optional("SSM_ENDPOINT_URL"),
    },
  };

  if (config.retrain.exportUri && !/^s3:\/\/[^/]+/.test(config.retrain.exportUri))
    r.problems.push(`RETRAIN_EXPORT_URI=${config.retrain.exportUri}: expected s3://bucket/prefix`);
  for (const [plain, name] of [
    ["API_KEYS", "API_KEYS_PARAMETER"],
    ["USER_ID_HMAC_KEY", "USER_ID_HMAC_KEY_PARAMETER"],
  ] as const) {
    const parameter = r.optional(name);
    if (parameter && r.optional(plain)) r.problems.push(`${plain} and ${name}: set one of them, not both`);
    // The IAM grant (serverless.yml) is the ARN ...:parameter<name>, which needs the leading slash.
    if (parameter && !parameter.startsWith("/"))
      r.problems.push(`${name}=${parameter}: expected a parameter path starting with "/"`);
  }
  if (config.router.ab.length === 1)
    r.problems.push("RECS_AB: name at least two variants, or leave it unset");
  if (r.problems.length) throw new ConfigError(r.problems);
  return config;
}

/**
 * The in-process families this configuration serves, to load at start and retrain: NMF always (the
 * XGBoost ranker takes its candidates from it); ALS and EASE when the router can send users to them.
 */
export function familiesInUse({ router }: Config): FamilyName[] {
  const named: string[] = [router.strategy, ...router.fallback, ...router.ab.map((v) => v.strategy)];
  return FAMILY_NAMES.filter((family) => family === "NMF" || named.includes(family));
}

/** A family's section of the configuration: its settings and which of them the environment set. */
export function familyConfig(
  config: Config,
  family: FamilyName,
): Config["model"] | Config["als"] | Config["ease"] {
  return { NMF: config.model, ALS: config.als, EASE: config.ease }[family];
}
