import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * Reads the CloudFormation template that `serverless package` (osls, offline) generates, once with
 * the default parameters and once with every optional service configured. Conditions, Fn::If and
 * AWS::NoValue are evaluated, so the assertions see what CloudFormation would create.
 */
const ROOT = path.resolve(__dirname, "../..");
const run = promisify(execFile);

const OPTIONAL_PARAMS = {
  sagemakerEndpointName: "xgb-ranker",
  personalizeCampaignArn: "arn:aws:personalize:us-east-1:123456789012:campaign/recs",
  personalizeFilterArn: "arn:aws:personalize:us-east-1:123456789012:filter/category",
  personalizeTrackingId: "tracking-123",
  retrainSchedule: "rate(1 day)",
  alarmEmail: "ops@example.com",
  corsOrigins: "https://shop.example,https://admin.example",
  apiKeysParameter: "/recs/test/api-keys",
  userIdHmacKeyParameter: "/recs/test/user-id-hmac-key",
  xgboostModelKey: "xgboost/model.json",
};

type Json = Record<string, unknown>;
interface Template {
  Resources: Record<string, { Type: string; Condition?: string; Properties: Json }>;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Json;
}

async function packageTemplate(
  params: Record<string, string>,
): Promise<{ template: Template; zipBytes: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sls-package-"));
  const paramArgs = Object.entries(params).map(([k, v]) => `--param=${k}=${v}`);
  await run(
    path.join(ROOT, "node_modules/.bin/serverless"),
    ["package", "--stage", "test", "--package", dir, ...paramArgs],
    {
      cwd: ROOT,
      env: { ...process.env, SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off" },
    },
  );
  const raw = JSON.parse(
    fs.readFileSync(path.join(dir, "cloudformation-template-update-stack.json"), "utf8"),
  );
  const zipBytes = fs.statSync(path.join(dir, "recs-gateway.zip")).size;
  fs.rmSync(dir, { recursive: true, force: true });
  return { template: effective(raw), zipBytes };
}

/** Drops resources whose Condition is false and resolves Fn::If / AWS::NoValue. */
function effective(raw: Json & { Conditions?: Record<string, unknown> }): Template {
  const conditions = raw.Conditions ?? {};
  const cache = new Map<string, boolean>();
  const evalCondition = (expr: unknown): boolean => {
    const e = expr as Json;
    if (typeof e.Condition === "string") return isTrue(e.Condition);
    if (e["Fn::Not"]) return !evalCondition((e["Fn::Not"] as unknown[])[0]);
    if (e["Fn::Or"]) return (e["Fn::Or"] as unknown[]).some(evalCondition);
    if (e["Fn::And"]) return (e["Fn::And"] as unknown[]).every(evalCondition);
    if (e["Fn::Equals"]) {
      const [a, b] = e["Fn::Equals"] as unknown[];
      return JSON.stringify(a) === JSON.stringify(b);
    }
    throw new Error(`cannot evaluate condition ${JSON.stringify(expr)}`);
  };
  const isTrue = (name: string): boolean => {
    if (!cache.has(name)) cache.set(name, evalCondition(conditions[name]));
    return cache.get(name) as boolean;
  };
  const NO_VALUE = Symbol("NoValue");
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve).filter((v) => v !== NO_VALUE);
    if (!node || typeof node !== "object") return node;
    const obj = node as Json;
    if (obj.Ref === "AWS::NoValue") return NO_VALUE;
    if (Array.isArray(obj["Fn::If"])) {
      const [name, yes, no] = obj["Fn::If"] as [string, unknown, unknown];
      return resolve(isTrue(name) ? yes : no);
    }
    const out: Json = {};
    for (const [k, v] of Object.entries(obj)) {
      const r = resolve(v);
      if (r !== NO_VALUE) out[k] = r;
    }
    return out;
  };
  const resources = Object.entries(raw.Resources as Template["Resources"]).filter(
    ([, r]) => !r.Condition || isTrue(r.Condition),
  );
  return { Resources: resolve(Object.fromEntries(resources)) as Template["Resources"] };
}

const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const actions = (s: Statement): string[] => [s.Action].flat();
const resources = (s: Statement): unknown[] => [s.Resource].flat();

function statements(t: Template): Statement[] {
  const role = t.Resources.IamRoleLambdaExecution.Properties as {
    Policies: Array<{ PolicyDocument: { Statement: Statement[] } }>;
  };
  const inline = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
  const attached = ofType(t, "AWS::IAM::Policy").flatMap(
    ([, r]) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
  );
  return [...inline, ...attached];
}

const statementsFor = (t: Template, prefix: string) =>
  statements(t).filter((s) => actions(s).some((a) => a.startsWith(prefix)));

let base: { template: Template; zipBytes: number };
let full: { template: Template; zipBytes: number };

beforeAll(async () => {
  // The bundle must exist for `serverless package`. One package at a time: both stage through .serverless/.
  await run(process.execPath, ["scripts/build.mjs", "lambda"], { cwd: ROOT });
  base = await packageTemplate({});
  full = await packageTemplate(OPTIONAL_PARAMS);
}, 120_000);

describe("serverless package: CloudFormation template", () => {
  it("has exactly one Lambda function, nodejs22.x on arm64, fed by the bundle", () => {
    const functions = ofType(base.template, "AWS::Lambda::Function");
    expect(functions).toHaveLength(1);
    const [, fn] = functions[0];
    expect(fn.Properties).toMatchObject({
      Runtime: "nodejs22.x",
      Architectures: ["arm64"],
      Handler: "dist/lambda.handler",
    });
    expect(fn.Properties.MemorySize).toEqual(expect.any(Number));
    expect(fn.Properties.Timeout).toEqual(expect.any(Number));
    const env = (fn.Properties.Environment as { Variables: Json }).Variables;
    expect(env).toMatchObject({
      METRICS_SINK: "emf",
      CLOUDWATCH_NAMESPACE: "RecommendationSystem",
      STAGE: "test",
      ITEMS_TABLE: { Ref: "ItemsTable" },
      EVENTS_TABLE: { Ref: "EventsTable" },
      USERS_TABLE: { Ref: "UsersTable" },
      STATS_TABLE: { Ref: "StatsTable" },
      MODEL_URI: { "Fn::Sub": "s3://${ModelBucket}/models" },
    });
    expect(base.zipBytes).toBeLessThan(1024 * 1024);
  });

  it("routes POST and GET /graphql on the HTTP API, throttled from parameters", () => {
    const routes = ofType(base.template, "AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties.RouteKey);
    expect(routes.sort()).toEqual(["GET /graphql", "POST /graphql"]);
    const [[, stage]] = ofType(base.template, "AWS::ApiGatewayV2::Stage");
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
  });

  it("sets CORS only from the allow-list parameter", () => {
    expect(base.template.Resources.HttpApi.Properties.CorsConfiguration).toBeUndefined();
    expect(full.template.Resources.HttpApi.Properties.CorsConfiguration).toMatchObject({
      AllowOrigins: { "Fn::Split": [",", OPTIONAL_PARAMS.corsOrigins] },
    });
  });

  it("declares the four tables on demand, with their keys, TTL and point-in-time recovery", () => {
    const table = (id: string) => base.template.Resources[id].Properties;
    const expected = {
      ItemsTable: { keys: [["itemId", "HASH"]], ttl: false },
      EventsTable: {
        keys: [
          ["userId", "HASH"],
          ["sk", "RANGE"],
        ],
        ttl: true,
      },
      UsersTable: { keys: [["userId", "HASH"]], ttl: false },
      StatsTable: {
        keys: [
          ["pk", "HASH"],
          ["sk", "RANGE"],
        ],
        ttl: true,
      },
    };
    expect(ofType(base.template, "AWS::DynamoDB::Table")).toHaveLength(4);
    for (const [id, { keys, ttl }] of Object.entries(expected)) {
      const p = table(id) as Json & {
        KeySchema: Array<{ AttributeName: string; KeyType: string }>;
        AttributeDefinitions: Json[];
      };
      expect(p.KeySchema.map((k) => [k.AttributeName, k.KeyType])).toEqual(keys);
      expect(p.AttributeDefinitions).toEqual(
        keys.map(([name]) => ({ AttributeName: name, AttributeType: "S" })),
      );
      expect(p.BillingMode).toBe("PAY_PER_REQUEST");
      expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(p.TimeToLiveSpecification).toEqual(
        ttl ? { AttributeName: "expiresAt", Enabled: true } : undefined,
      );
    }
  });

  it("keeps the model bucket private, encrypted, versioned, with old versions expiring", () => {
    const bucket = base.template.Resources.ModelBucket.Properties;
    expect(bucket.VersioningConfiguration).toEqual({ Status: "Enabled" });
    expect(JSON.stringify(bucket.BucketEncryption)).toContain("SSEAlgorithm");
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(bucket.LifecycleConfiguration)).toContain("NoncurrentVersionExpiration");
  });

  it("grants DynamoDB on the project's tables only, and S3 on the model prefix only", () => {
    const [dynamo] = statementsFor(base.template, "dynamodb:");
    expect(statementsFor(base.template, "dynamodb:")).toHaveLength(1);
    expect(resources(dynamo)).toEqual(
      ["ItemsTable", "EventsTable", "UsersTable", "StatsTable"].map((t) => ({ "Fn::GetAtt": [t, "Arn"] })),
    );
    expect(actions(dynamo)).not.toContain("dynamodb:*");
    expect(actions(dynamo)).not.toContain("dynamodb:DeleteTable");

    const s3 = statementsFor(base.template, "s3:");
    const objects = s3.find((s) => actions(s).includes("s3:GetObject"));
    expect(resources(objects as Statement)).toEqual([{ "Fn::Sub": "${ModelBucket.Arn}/models/*" }]);
    const listing = s3.find((s) => actions(s).includes("s3:ListBucket"));
    expect(listing?.Condition).toEqual({ StringLike: { "s3:prefix": ["models/*"] } });
  });

  it("uses * only where AWS requires it, always with a condition", () => {
    for (const { template } of [base, full]) {
      for (const s of statements(template)) {
        const wildcard = resources(s).some(
          (r) => typeof r === "string" && r.includes("*") && !r.startsWith("arn:"),
        );
        if (!wildcard) continue;
        expect(
          actions(s).every((a) => ["cloudwatch:PutMetricData", "personalize:PutEvents"].includes(a)),
        ).toBe(true);
        expect(s.Condition).toBeDefined();
      }
    }
    const [metrics] = statementsFor(base.template, "cloudwatch:");
    expect(metrics.Condition).toEqual({ StringEquals: { "cloudwatch:namespace": "RecommendationSystem" } });
  });

  it("grants SageMaker and Personalize nothing by default", () => {
    expect(statementsFor(base.template, "sagemaker:")).toEqual([]);
    expect(statementsFor(base.template, "personalize:")).toEqual([]);
    expect(ofType(base.template, "AWS::IAM::Policy")).toEqual([]);
  });

  it("grants exactly the configured SageMaker endpoint and Personalize ARNs when set", () => {
    const [sagemaker] = statementsFor(full.template, "sagemaker:");
    expect(actions(sagemaker)).toEqual(["sagemaker:InvokeEndpoint"]);
    expect(resources(sagemaker)).toEqual([
      { "Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:endpoint/xgb-ranker" },
    ]);
    const personalize = statementsFor(full.template, "personalize:");
    const recs = personalize.find((s) => actions(s).includes("personalize:GetRecommendations"));
    expect(resources(recs as Statement)).toEqual([
      OPTIONAL_PARAMS.personalizeCampaignArn,
      OPTIONAL_PARAMS.personalizeFilterArn,
    ]);
    const events = personalize.find((s) => actions(s).includes("personalize:PutEvents"));
    expect(events?.Condition).toBeDefined();
  });

  it("alarms on error rate, p95 latency and fallback rate, to the SNS topic", () => {
    const alarms = ofType(base.template, "AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
    const uses = (a: Json, metric: string) =>
      a.MetricName === metric || JSON.stringify(a.Metrics ?? []).includes(`"MetricName":"${metric}"`);
    const errorRate = alarms.find((a) => uses(a, "Error"));
    const fallbackRate = alarms.find((a) => uses(a, "Fallback"));
    const p95 = alarms.find((a) => a.ExtendedStatistic === "p95");
    for (const alarm of [errorRate, fallbackRate, p95]) {
      expect(alarm).toBeDefined();
      expect(alarm?.AlarmActions).toEqual([{ Ref: "AlarmTopic" }]);
    }
    expect(JSON.stringify(errorRate?.Metrics)).toContain('"Namespace":"RecommendationSystem"');
    expect(ofType(base.template, "AWS::CloudWatch::Dashboard")).toHaveLength(1);
    expect(ofType(base.template, "AWS::SNS::Topic")).toHaveLength(1);
    expect(ofType(base.template, "AWS::SNS::Subscription")).toHaveLength(0);
    expect(ofType(full.template, "AWS::SNS::Subscription").map(([, s]) => s.Properties.Endpoint)).toEqual([
      OPTIONAL_PARAMS.alarmEmail,
    ]);
  });

  it("takes secrets from SSM by reference, never as values, and only when their parameters are set", () => {
    const env = (t: Template) =>
      (ofType(t, "AWS::Lambda::Function")[0]![1].Properties.Environment as { Variables: Json }).Variables;
    expect(env(base.template)).toMatchObject({ API_KEYS: "", USER_ID_HMAC_KEY: "", XGBOOST_MODEL_URI: "" });
    expect(env(full.template)).toMatchObject({
      API_KEYS: "{{resolve:ssm:/recs/test/api-keys}}",
      USER_ID_HMAC_KEY: "{{resolve:ssm:/recs/test/user-id-hmac-key}}",
      XGBOOST_MODEL_URI: { "Fn::Sub": "s3://${ModelBucket}/models/xgboost/model.json" },
    });
  });

  it("schedules retraining on the same function only when a schedule is given", () => {
    expect(ofType(base.template, "AWS::Events::Rule")).toEqual([]);
    const [[, rule]] = ofType(full.template, "AWS::Events::Rule");
    expect(rule.Properties.ScheduleExpression).toBe("rate(1 day)");
    expect(rule.Properties.Targets).toEqual([
      { Id: "graphql", Arn: { "Fn::GetAtt": ["GraphqlLambdaFunction", "Arn"] } },
    ]);
    const permissions = ofType(full.template, "AWS::Lambda::Permission").map(
      ([, p]) => p.Properties.Principal,
    );
    expect(permissions).toContain("events.amazonaws.com");
    expect(ofType(full.template, "AWS::Lambda::Function")).toHaveLength(1);
  });
});
