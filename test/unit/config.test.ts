import { describe, expect, it } from "vitest";
import { ConfigError, familiesInUse, loadConfig } from "../../src/config";

describe("loadConfig", () => {
  it("gives the embedded local setup by default", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ stage: "local", production: false, onLambda: false });
    expect(config.dynamo).toMatchObject({ embedded: true, endpoint: undefined });
    expect(config.router).toMatchObject({
      strategy: "NMF",
      fallback: ["POPULAR"],
      allowOverride: true,
      ab: [],
    });
    expect(config.users.cacheSeconds).toBeGreaterThan(0);
    expect(config.graphql.landingPage).toBe("graphiql");
    expect(config.dashboard).toBe(true);
  });

  it("reads LANDING_PAGE as graphiql, sandbox or off (and the older true/false)", () => {
    const page = (value: string) => loadConfig({ LANDING_PAGE: value }).graphql.landingPage;
    expect(page("sandbox")).toBe("sandbox");
    expect(page("GraphiQL")).toBe("graphiql");
    expect(page("off")).toBe("off");
    expect(page("true")).toBe("graphiql");
    expect(page("false")).toBe("off");
    expect(() => page("playground")).toThrow(
      /LANDING_PAGE=playground: expected one of graphiql, sandbox, off/,
    );
    expect(loadConfig({ STAGE: "prod", DASHBOARD: "true" }).dashboard).toBe(true);
  });

  it("turns compiled GraphQL execution off with GRAPHQL_COMPILE=false", () => {
    expect(loadConfig({ GRAPHQL_COMPILE: "false" }).graphql.compile).toBe(false);
    expect(loadConfig({ STAGE: "prod" }).graphql.compile).toBe(true);
  });

  it("behaves as production on Lambda: real DynamoDB, no overrides, no Sandbox, no user cache", () => {
    const config = loadConfig({ AWS_LAMBDA_FUNCTION_NAME: "recs" });
    expect(config).toMatchObject({ stage: "prod", production: true, onLambda: true });
    expect(config.dynamo.embedded).toBe(false);
    expect(config.router.allowOverride).toBe(false);
    expect(config.graphql).toEqual({ landingPage: "off", introspection: false, compile: true });
    expect(config.dashboard).toBe(false);
    expect(config.users.cacheSeconds).toBe(0);
    expect(config.metrics.sink).toBe("emf");
  });

  it("reads per-strategy lists", () => {
    const config = loadConfig({ RECS_AB: "NMF:80,personalize:20", STRATEGY_TIMEOUTS: "PERSONALIZE:150" });
    expect(config.router.ab).toEqual([
      { strategy: "NMF", weight: 80 },
      { strategy: "PERSONALIZE", weight: 20 },
    ]);
    expect(config.router.timeouts).toEqual({ PERSONALIZE: 150 });
  });

  it("reads where retraining takes its events from", () => {
    expect(loadConfig({}).retrain).toEqual({ exportAboveEvents: 2_000_000, exportUri: undefined });
    expect(
      loadConfig({ RETRAIN_EXPORT_ABOVE_EVENTS: "500000", RETRAIN_EXPORT_URI: "s3://bucket/exports" })
        .retrain,
    ).toEqual({ exportAboveEvents: 500_000, exportUri: "s3://bucket/exports" });
    expect(() =>
      loadConfig({ RETRAIN_EXPORT_ABOVE_EVENTS: "-1", RETRAIN_EXPORT_URI: "/tmp/exports" }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          `RETRAIN_EXPORT_ABOVE_EVENTS=-1: expected an integer in 0..${Number.MAX_SAFE_INTEGER}`,
          "RETRAIN_EXPORT_URI=/tmp/exports: expected s3://bucket/prefix",
        ],
      }),
    );
  });

  it("reads the secrets' SSM parameter names, and refuses a name without its leading slash or beside a plain value", () => {
    expect(
      loadConfig({ API_KEYS_PARAMETER: "/recs/prod/api-keys", SECRETS_MAX_AGE_SECONDS: "60" }).security,
    ).toMatchObject({ apiKeys: [], parameters: { apiKeys: "/recs/prod/api-keys" }, maxAgeSeconds: 60 });
    expect(loadConfig({}).security).toMatchObject({ parameters: {}, maxAgeSeconds: 300 });
    expect(() =>
      loadConfig({
        API_KEYS: "k",
        API_KEYS_PARAMETER: "/recs/prod/api-keys",
        USER_ID_HMAC_KEY_PARAMETER: "recs/prod/hmac",
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          "API_KEYS and API_KEYS_PARAMETER: set one of them, not both",
          'USER_ID_HMAC_KEY_PARAMETER=recs/prod/hmac: expected a parameter path starting with "/"',
        ],
      }),
    );
  });

  it("reads ALS settings and its store beside NMF's, and remembers which settings the environment gave", () => {
    const config = loadConfig({
      MODEL_URI: "s3://bucket/models/",
      ALS_ALPHA: "10",
      ALS_REGULARIZATION_EXPONENT: "0.5",
      RECS_AB: "NMF:50,ALS:50",
    });
    expect(config.als).toMatchObject({
      uri: "s3://bucket/models/als",
      alpha: 10,
      regularizationExponent: 0.5,
      explicit: ["regularizationExponent", "alpha"],
    });
    expect(loadConfig({}).als.regularizationExponent).toBe(0);
    expect(config.model.explicit).toEqual([]);
    expect(config.router.ab.map((v) => v.strategy)).toEqual(["NMF", "ALS"]);
    expect(familiesInUse(config)).toEqual(["NMF", "ALS"]);
    expect(familiesInUse(loadConfig({}))).toEqual(["NMF"]);
    expect(() => loadConfig({ ALS_REGULARIZATION: "0" })).toThrow(/ALS_REGULARIZATION=0: expected a number/);
  });

  it("reads EASE's λ and its store, and serves it only when the router can send users to it", () => {
    const config = loadConfig({
      MODEL_URI: "s3://bucket/models",
      EASE_REGULARIZATION: "500",
      RECS_STRATEGY: "EASE",
    });
    expect(config.ease).toEqual({
      uri: "s3://bucket/models/ease",
      regularization: 500,
      explicit: ["regularization"],
    });
    expect(loadConfig({}).ease).toMatchObject({ regularization: 250, explicit: [] });
    expect(familiesInUse(config)).toEqual(["NMF", "EASE"]);
    expect(familiesInUse(loadConfig({ RECS_AB: "ALS:50,EASE:50" }))).toEqual(["NMF", "ALS", "EASE"]);
    expect(() => loadConfig({ EASE_REGULARIZATION: "-1" })).toThrow(
      /EASE_REGULARIZATION=-1: expected a number/,
    );
  });

  it("lists every problem at once", () => {
    let error: unknown;
    try {
      loadConfig({ PORT: "http", RECS_STRATEGY: "MAGIC", RECS_AB: "NMF:x", EVENT_WEIGHTS: "CLICK:1" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "PORT=http: expected an integer in 0..65535",
      'EVENT_WEIGHTS: cannot read "CLICK:1"',
      'RECS_STRATEGY: unknown strategy "MAGIC" (known: NMF, ALS, EASE, SAGEMAKER_XGBOOST, PERSONALIZE, POPULAR)',
      'RECS_AB: "NMF:x" needs a positive number',
      "RECS_AB: name at least two variants, or leave it unset",
    ]);
  });
});
