import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { personalizeNames } from "../../src/personalize/setup";
import schemas from "../../src/personalize/schemas.json";

/**
 * Reads the CloudFormation template that `serverless package` (osls, offline) generates, once with
 * the default parameters and once with every optional service configured. Conditions, Fn::If and
 * AWS::NoValue are evaluated, so the assertions see what CloudFormation would create.
 */
const ROOT = path.resolve(__dirname, "../..");
const run = promisify(execFile);

const OPTIONAL_PARAMS = {
  sagemakerEndpointName: "XGB-Ranker",
  personalizeCampaignArn: "arn:aws:personalize:us-east-1:123456789012:campaign/recs",
  personalizeFilterArn: "arn:aws:personalize:us-east-1:123456789012:filter/category",
  personalizeSeenFilterArn: "arn:aws:personalize:us-east-1:123456789012:filter/not-seen",
  personalizeTrackingId: "tracking-123",
  retrainSchedule: "rate(1 day)",
  alarmEmail: "ops@example.com",
  corsOrigins: "https://shop.example,https://admin.example",
  apiKeysParameter: "/recs/test/api-keys",
  userIdHmacKeyParameter: "/recs/test/user-id-hmac-key",
  secretsKmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  tracing: "Active",
  otelLayerArn: "arn:aws:lambda:us-east-1:615299751070:layer:AWSOpenTelemetryDistroJs:5",
  xgboostModelKey: "xgboost/model.json",
  retrainMemoryMb: "10240",
  retrainTimeoutSeconds: "600",
  retrainExportAboveEvents: "500000",
  personalize: "true",
  dashboard: "true",
  landingPage: "graphiql",
  graphqlCompile: "false",
};

type Json = Record<string, unknown>;

/** The files esbuild put in the Lambda bundles (the build's metafile). */
function bundleInputs(): string[] {
  const meta = JSON.parse(fs.readFileSync(path.join(ROOT, "dist/lambda.meta.json"), "utf8")) as {
    inputs: Record<string, unknown>;
  };
  return Object.keys(meta.inputs);
}
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
): Promise<{ template: Template; zipBytes: number; zipEntries: string[] }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sls-package-"));
  const paramArgs = Object.entries(params).map(([k, v]) => `--param=${k}=${v}`);
  try {
    await run(
      path.join(ROOT, "node_modules/.bin/serverless"),
      ["package", "--stage", "test", "--package", dir, ...paramArgs],
      {
        cwd: ROOT,
        env: { ...process.env, SLS_TELEMETRY_DISABLED: "1", SLS_NOTIFICATIONS_MODE: "off" },
      },
    );
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const raw = JSON.parse(
    fs.readFileSync(path.join(dir, "cloudformation-template-update-stack.json"), "utf8"),
  );
  const zip = fs.readFileSync(path.join(dir, "recs-gateway.zip"));
  fs.rmSync(dir, { recursive: true, force: true });
  return { template: effective(raw), zipBytes: zip.length, zipEntries: zipEntryNames(zip) };
}

/** File names in a zip's central directory (signature 0x02014b50, name length at +28, name at +46). */
function zipEntryNames(zip: Buffer): string[] {
  const names: string[] = [];
  for (let at = zip.indexOf("PK\x01\x02", 0, "latin1"); at >= 0;) {
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    names.push(zip.toString("utf8", at + 46, at + 46 + nameLength));
    at = zip.indexOf("PK\x01\x02", at + 46 + nameLength + extraLength + commentLength, "latin1");
  }
  return names.sort();
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

/** A role's inline statements and those of the policies attached to it. */
function roleStatements(t: Template, roleId: string): Statement[] {
  const role = t.Resources[roleId]!.Properties as {
    Policies: Array<{ PolicyDocument: { Statement: Statement[] } }>;
  };
  const inline = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
  const attached = ofType(t, "AWS::IAM::Policy")
    .filter(([, r]) => JSON.stringify(r.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap(([, r]) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
  return [...inline, ...attached];
}

/** The GraphQL function's role. */
const statements = (t: Template) => roleStatements(t, "IamRoleLambdaExecution");
const retrainStatements = (t: Template) => roleStatements(t, "RetrainRole");

const statementsFor = (t: Template, prefix: string) =>
  statements(t).filter((s) => actions(s).some((a) => a.startsWith(prefix)));

type Packaged = Awaited<ReturnType<typeof packageTemplate>>;
let base: Packaged;
let full: Packaged;

beforeAll(async () => {
  // The bundle must exist for `serverless package`. One package at a time: both stage through .serverless/.
  await run(process.execPath, ["scripts/build.mjs", "lambda"], { cwd: ROOT });
  base = await packageTemplate({});
  full = await packageTemplate(OPTIONAL_PARAMS);
}, 120_000);

describe("serverless package: CloudFormation template", () => {
  it("has two functions from one package, nodejs22.x on arm64: the GraphQL API and retraining", () => {
    const functions = ofType(base.template, "AWS::Lambda::Function");
    expect(functions.map(([id]) => id).sort()).toEqual(["GraphqlLambdaFunction", "RetrainLambdaFunction"]);
    const fn = base.template.Resources.GraphqlLambdaFunction;
    const retrain = base.template.Resources.RetrainLambdaFunction;
    for (const f of [fn, retrain])
      expect(f.Properties).toMatchObject({ Runtime: "nodejs22.x", Architectures: ["arm64"] });
    expect(fn.Properties.Handler).toBe("dist/lambda.handler");
    expect(retrain.Properties.Handler).toBe("dist/retrain.handler");
    expect(retrain.Properties.Code).toEqual(fn.Properties.Code);
    expect(base.zipEntries).toEqual([
      "dist/lambda.js",
      "dist/retrain.js",
      "dist/web/dashboard.css",
      "dist/web/dashboard.js",
      "dist/web/graphiql.css",
      "dist/web/graphiql.js",
    ]);
    expect(fn.Properties.MemorySize).toEqual(expect.any(Number));
    // Below the HTTP API's fixed 30 s integration timeout.
    expect(fn.Properties.Timeout).toBeLessThan(30);
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
    // The API and retrain bundles (~0.85 MB zipped) and the pages' assets (~0.8 MB, never read at a cold start).
    expect(base.zipBytes).toBeLessThan(2 * 1024 * 1024);
  });

  it("leaves class-validator out of the API bundle (type-graphql imports it only when validating)", () => {
    const inputs = bundleInputs();
    expect(inputs.some((i) => i.includes("node_modules/type-graphql/"))).toBe(true);
    expect(inputs.filter((i) => /node_modules\/(class-validator|libphonenumber-js)\//.test(i))).toEqual([]);
  });

  it("holds one copy of graphql and not graphql-jit's unused JSON serializer", () => {
    const inputs = bundleInputs();
    expect(inputs).toContain("node_modules/graphql-jit/dist/execution.js");
    const graphql = inputs.filter((i) => i.startsWith("node_modules/graphql/"));
    expect(graphql).toContain("node_modules/graphql/execution/execute.mjs");
    expect(graphql.filter((i) => !i.endsWith(".mjs"))).toEqual([]);
    expect(inputs.filter((i) => /node_modules\/(fast-json-stringify|ajv)/.test(i))).toEqual([]);
  });

  it("exports the handlers as plain writable properties, which the ADOT layer's Lambda instrumentation wraps", async () => {
    const probe = `for (const f of ["lambda", "retrain"]) {
      const d = Object.getOwnPropertyDescriptor(require("./dist/" + f + ".js"), "handler");
      console.log(f, d.writable, typeof d.value);
    }
    process.exit(0);`;
    const { stdout } = await run(process.execPath, ["-e", probe], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: "silent", METRICS_SINK: "off" },
    });
    expect(stdout.trim().split("\n")).toEqual(["lambda true function", "retrain true function"]);
  });

  it("routes POST and GET /graphql on the HTTP API to the one GraphQL function, throttled from parameters", () => {
    const routes = ofType(base.template, "AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties.RouteKey);
    expect(routes.sort()).toEqual(["GET /graphql", "POST /graphql"]);
    const integrations = ofType(base.template, "AWS::ApiGatewayV2::Integration").map(
      ([, i]) => i.Properties.IntegrationUri,
    );
    expect(integrations).toEqual([{ "Fn::GetAtt": ["GraphqlLambdaFunction", "Arn"] }]);
    const [[, stage]] = ofType(base.template, "AWS::ApiGatewayV2::Stage");
    expect(stage.Properties.DefaultRouteSettings).toEqual({
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
  });

  it("routes the dashboard and the pages' assets to the GraphQL function only when their parameters say so, and passes the page and executor switches on", () => {
    const routes = (t: Template) =>
      ofType(t, "AWS::ApiGatewayV2::Route").map(([, r]) => r.Properties.RouteKey as string);
    expect(routes(base.template)).not.toContain("GET /dashboard");
    expect(routes(base.template)).not.toContain("GET /ui/{file}");
    expect(routes(full.template).sort()).toEqual([
      "GET /dashboard",
      "GET /graphql",
      "GET /ui/{file}",
      "POST /graphql",
    ]);
    const integration = ofType(full.template, "AWS::ApiGatewayV2::Integration")[0]![0];
    for (const id of ["DashboardRoute", "WebAssetsRoute"]) {
      expect(full.template.Resources[id]!.Properties.Target).toEqual({
        "Fn::Join": ["/", ["integrations", { Ref: integration }]],
      });
    }
    const env = (t: Template) =>
      (t.Resources.GraphqlLambdaFunction!.Properties.Environment as { Variables: Json }).Variables;
    expect(env(base.template)).toMatchObject({
      DASHBOARD: "false",
      LANDING_PAGE: "off",
      GRAPHQL_COMPILE: "true",
    });
    expect(env(full.template)).toMatchObject({
      DASHBOARD: "true",
      LANDING_PAGE: "graphiql",
      GRAPHQL_COMPILE: "false",
    });
  });

  it("sets CORS only from the allow-list parameter, allowing every header the README asks browsers to send", () => {
    expect(base.template.Resources.HttpApi.Properties.CorsConfiguration).toBeUndefined();
    const cors = full.template.Resources.HttpApi.Properties.CorsConfiguration as { AllowHeaders: string[] };
    expect(cors).toMatchObject({ AllowOrigins: { "Fn::Split": [",", OPTIONAL_PARAMS.corsOrigins] } });
    const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    const allowed = cors.AllowHeaders.map((h) => h.toLowerCase());
    for (const header of ["Content-Type", "Authorization", "x-api-key", "Idempotency-Key"]) {
      expect(readme).toContain(header);
      expect(allowed).toContain(header.toLowerCase());
    }
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
    // Exports are the retrain function's business.
    expect(actions(dynamo)).not.toContain("dynamodb:ExportTableToPointInTime");

    const s3 = statementsFor(base.template, "s3:");
    const objects = s3.find((s) => actions(s).includes("s3:GetObject"));
    expect(resources(objects as Statement)).toEqual([{ "Fn::Sub": "${ModelBucket.Arn}/models/*" }]);
    const listing = s3.find((s) => actions(s).includes("s3:ListBucket"));
    expect(listing?.Condition).toEqual({ StringLike: { "s3:prefix": ["models/*"] } });
  });

  it("uses * only where AWS requires it, always with a condition", () => {
    for (const { template } of [base, full]) {
      for (const s of [...statements(template), ...retrainStatements(template)]) {
        const wildcard = resources(s).some(
          (r) => typeof r === "string" && r.includes("*") && !r.startsWith("arn:"),
        );
        if (!wildcard) continue;
        // X-Ray has neither resource types nor condition keys of its own.
        if (actions(s).every((a) => ["xray:PutTraceSegments", "xray:PutTelemetryRecords"].includes(a)))
          continue;
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
      // SageMaker's ARNs carry the name in lower case; IAM compares case-sensitively.
      { "Fn::Sub": "arn:${AWS::Partition}:sagemaker:${AWS::Region}:${AWS::AccountId}:endpoint/xgb-ranker" },
    ]);
    const env = full.template.Resources.GraphqlLambdaFunction!.Properties.Environment as { Variables: Json };
    expect(env.Variables.SAGEMAKER_ENDPOINT_NAME).toBe("XGB-Ranker");
    const personalize = statementsFor(full.template, "personalize:");
    const recs = personalize.find((s) => actions(s).includes("personalize:GetRecommendations"));
    expect(resources(recs as Statement)).toEqual([
      OPTIONAL_PARAMS.personalizeCampaignArn,
      OPTIONAL_PARAMS.personalizeFilterArn,
      OPTIONAL_PARAMS.personalizeSeenFilterArn,
    ]);
    expect(env.Variables.PERSONALIZE_SEEN_FILTER_ARN).toBe(OPTIONAL_PARAMS.personalizeSeenFilterArn);
    const events = personalize.find((s) => actions(s).includes("personalize:PutEvents"));
    expect(events?.Condition).toBeDefined();
  });

  it("creates no Personalize resources, role or bucket grant unless the personalize parameter is on", () => {
    expect(
      Object.values(base.template.Resources).filter((r) => r.Type.startsWith("AWS::Personalize::")),
    ).toEqual([]);
    expect(base.template.Resources.PersonalizeImportRole).toBeUndefined();
    expect(JSON.stringify(base.template.Resources.ModelBucketPolicy)).not.toContain("personalize");
  });

  it("with personalize=true: the dataset group, both schemas and datasets, and the two solutions setup looks for", () => {
    const names = personalizeNames("recs-gateway-test");
    const r = full.template.Resources;
    const groupArn = { "Fn::GetAtt": ["PersonalizeDatasetGroup", "DatasetGroupArn"] };
    expect(r.PersonalizeDatasetGroup).toMatchObject({
      Type: "AWS::Personalize::DatasetGroup",
      Properties: { Name: names.datasetGroup },
    });
    // The schemas are src/personalize/schemas.json, the same the export writes beside the data.
    for (const [id, schema] of [
      ["PersonalizeInteractionsSchema", schemas.interactions],
      ["PersonalizeItemsSchema", schemas.items],
    ] as const) {
      expect(r[id]!.Type).toBe("AWS::Personalize::Schema");
      expect(JSON.parse(r[id]!.Properties.Schema as string)).toEqual(schema);
    }
    expect(r.PersonalizeInteractionsDataset!.Properties).toEqual({
      Name: "recs-gateway-test-interactions",
      DatasetType: "Interactions",
      DatasetGroupArn: groupArn,
      SchemaArn: { "Fn::GetAtt": ["PersonalizeInteractionsSchema", "SchemaArn"] },
    });
    expect(r.PersonalizeItemsDataset!.Properties).toMatchObject({
      DatasetType: "Items",
      SchemaArn: { "Fn::GetAtt": ["PersonalizeItemsSchema", "SchemaArn"] },
    });
    const solutions = ofType(full.template, "AWS::Personalize::Solution").map(([, s]) => s.Properties);
    expect(solutions).toEqual([
      {
        Name: names.userSolution,
        DatasetGroupArn: groupArn,
        RecipeArn: "arn:aws:personalize:::recipe/aws-user-personalization",
      },
      {
        Name: names.simsSolution,
        DatasetGroupArn: groupArn,
        RecipeArn: "arn:aws:personalize:::recipe/aws-sims",
      },
    ]);
  });

  it("lets Personalize's imports read the export prefix only: the import role and the bucket policy", () => {
    const role = full.template.Resources.PersonalizeImportRole!.Properties as {
      AssumeRolePolicyDocument: { Statement: Array<Statement & { Principal: Json }> };
      Policies: Array<{ PolicyDocument: { Statement: Statement[] } }>;
    };
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "personalize.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
      },
    ]);
    const granted = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
    expect(granted.flatMap(actions).sort()).toEqual(["s3:GetObject", "s3:ListBucket"]);
    const objects = { "Fn::Sub": "${ModelBucket.Arn}/personalize/*" };
    expect(granted.find((s) => actions(s).includes("s3:GetObject"))!.Resource).toEqual(objects);
    expect(granted.find((s) => actions(s).includes("s3:ListBucket"))!.Condition).toEqual({
      StringLike: { "s3:prefix": ["personalize/*"] },
    });

    const bucketPolicy = full.template.Resources.ModelBucketPolicy!.Properties.PolicyDocument as {
      Statement: Array<Statement & { Principal: unknown }>;
    };
    const forPersonalize = bucketPolicy.Statement.filter(
      (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: "personalize.amazonaws.com" }),
    );
    expect(forPersonalize.map((s) => [s.Effect, s.Action, s.Resource])).toEqual([
      ["Allow", "s3:GetObject", objects],
      ["Allow", "s3:ListBucket", { "Fn::GetAtt": ["ModelBucket", "Arn"] }],
    ]);
    for (const s of forPersonalize)
      expect(s.Condition).toMatchObject({ StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } });
    // The datasets are copies of the events: they expire like the table exports do.
    const rules = (full.template.Resources.ModelBucket.Properties.LifecycleConfiguration as { Rules: Json[] })
      .Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: "personalize/", ExpirationInDays: 14 }));
    // The functions get nothing of it.
    expect(JSON.stringify(statements(full.template))).not.toContain("/personalize/");
    expect(JSON.stringify(retrainStatements(full.template))).not.toContain("personalize");
  });

  it("lets the GraphQL function describe exactly the configured campaign (health), and nothing without one", () => {
    const describe = statementsFor(full.template, "personalize:").filter((s) =>
      actions(s).includes("personalize:DescribeCampaign"),
    );
    expect(describe.map((s) => [actions(s), resources(s)])).toEqual([
      [["personalize:DescribeCampaign"], [OPTIONAL_PARAMS.personalizeCampaignArn]],
    ]);
    expect(JSON.stringify(statements(base.template))).not.toContain("personalize:");
  });

  it("alarms on the server-side error rate, p95 latency and fallback rate, to the SNS topic", () => {
    const alarms = ofType(base.template, "AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
    const uses = (a: Json, metric: string) =>
      a.MetricName === metric || JSON.stringify(a.Metrics ?? []).includes(`"MetricName":"${metric}"`);
    const errorRate = alarms.find((a) => uses(a, "ServerError"));
    // Client mistakes (the Error metric counts every code) never page operators.
    expect(alarms.filter((a) => uses(a, "Error"))).toEqual([]);
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

  it("puts only the secrets' parameter names in the function's configuration, never a value or a reference", () => {
    const env = (t: Template) =>
      (ofType(t, "AWS::Lambda::Function")[0]![1].Properties.Environment as { Variables: Json }).Variables;
    expect(env(base.template)).toMatchObject({ API_KEYS_PARAMETER: "", USER_ID_HMAC_KEY_PARAMETER: "" });
    expect(env(full.template)).toMatchObject({
      API_KEYS_PARAMETER: "/recs/test/api-keys",
      USER_ID_HMAC_KEY_PARAMETER: "/recs/test/user-id-hmac-key",
      SECRETS_MAX_AGE_SECONDS: "300",
      XGBOOST_MODEL_URI: { "Fn::Sub": "s3://${ModelBucket}/models/xgboost/model.json" },
    });
    for (const { template } of [base, full]) {
      for (const [, fn] of ofType(template, "AWS::Lambda::Function")) {
        const variables = (fn.Properties.Environment as { Variables: Json }).Variables;
        expect(variables).not.toHaveProperty("API_KEYS");
        expect(variables).not.toHaveProperty("USER_ID_HMAC_KEY");
      }
      expect(JSON.stringify(template)).not.toContain("{{resolve:");
    }
  });

  it("grants ssm:GetParameter on exactly the configured parameters, and kms:Decrypt on the given key through SSM", () => {
    expect(statementsFor(base.template, "ssm:")).toEqual([]);
    expect(statementsFor(base.template, "kms:")).toEqual([]);
    const ssm = statementsFor(full.template, "ssm:");
    expect(ssm.map((s) => [actions(s), resources(s)])).toEqual([
      [
        ["ssm:GetParameter"],
        ["/recs/test/api-keys", "/recs/test/user-id-hmac-key"].map((name) => ({
          "Fn::Sub": `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${name}`,
        })),
      ],
    ]);
    const [kms] = statementsFor(full.template, "kms:");
    expect(actions(kms!)).toEqual(["kms:Decrypt"]);
    expect(resources(kms!)).toEqual([OPTIONAL_PARAMS.secretsKmsKeyArn]);
    expect(kms!.Condition).toEqual({
      StringEquals: { "kms:ViaService": { "Fn::Sub": "ssm.${AWS::Region}.amazonaws.com" } },
    });
    // The retrain function reads no secret.
    const retrainEnv = (
      full.template.Resources.RetrainLambdaFunction.Properties.Environment as {
        Variables: Json;
      }
    ).Variables;
    expect(retrainEnv).toMatchObject({ API_KEYS_PARAMETER: "", USER_ID_HMAC_KEY_PARAMETER: "" });
    expect(JSON.stringify(retrainStatements(full.template))).not.toMatch(/ssm:|kms:/);
  });

  it("switches active tracing, the X-Ray grants and the OpenTelemetry layer on by their parameters", () => {
    const fn = (t: Template, id: string) => t.Resources[id]!.Properties;
    const xray = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"];
    const grantsXray = (granted: Statement[]) =>
      granted.some((s) => xray.every((a) => actions(s).includes(a)) && resources(s).includes("*"));
    for (const id of ["GraphqlLambdaFunction", "RetrainLambdaFunction"]) {
      expect(fn(base.template, id).TracingConfig).toBeUndefined();
      expect(fn(full.template, id).TracingConfig).toEqual({ Mode: "Active" });
    }
    expect(grantsXray(statements(base.template))).toBe(false);
    expect(grantsXray(retrainStatements(base.template))).toBe(false);
    expect(grantsXray(statements(full.template))).toBe(true);
    expect(grantsXray(retrainStatements(full.template))).toBe(true);

    const env = (t: Template) =>
      (fn(t, "GraphqlLambdaFunction").Environment as { Variables: Json }).Variables;
    expect(fn(base.template, "GraphqlLambdaFunction").Layers).toBeUndefined();
    expect(env(base.template)).not.toHaveProperty("AWS_LAMBDA_EXEC_WRAPPER");
    expect(fn(full.template, "GraphqlLambdaFunction").Layers).toEqual([OPTIONAL_PARAMS.otelLayerArn]);
    expect(env(full.template).AWS_LAMBDA_EXEC_WRAPPER).toBe("/opt/otel-instrument");
    expect(fn(full.template, "RetrainLambdaFunction").Layers).toBeUndefined();
  });

  it("schedules the retrain function, never the GraphQL one, only when a schedule is given", () => {
    expect(ofType(base.template, "AWS::Events::Rule")).toEqual([]);
    const [[, rule]] = ofType(full.template, "AWS::Events::Rule");
    expect(rule.Properties.ScheduleExpression).toBe("rate(1 day)");
    expect(rule.Properties.Targets).toEqual([
      { Id: "retrain", Arn: { "Fn::GetAtt": ["RetrainLambdaFunction", "Arn"] } },
    ]);
    const fromEvents = ofType(full.template, "AWS::Lambda::Permission")
      .map(([, p]) => p.Properties)
      .filter((p) => p.Principal === "events.amazonaws.com");
    expect(fromEvents.map((p) => p.FunctionName)).toEqual([{ Ref: "RetrainLambdaFunction" }]);
  });

  it("sizes the retrain function from its parameters, and reads exports above the event threshold", () => {
    const props = (t: Template) => t.Resources.RetrainLambdaFunction.Properties;
    expect(props(base.template)).toMatchObject({ MemorySize: 3008, Timeout: 900 });
    expect(props(full.template)).toMatchObject({ MemorySize: 10240, Timeout: 600 });
    expect(props(base.template).Role).toEqual({ "Fn::GetAtt": ["RetrainRole", "Arn"] });
    const env = (t: Template) => (props(t).Environment as { Variables: Json }).Variables;
    expect(env(base.template)).toMatchObject({
      RETRAIN_EXPORT_ABOVE_EVENTS: "2000000",
      RETRAIN_EXPORT_URI: { "Fn::Sub": "s3://${ModelBucket}/exports" },
      EVENTS_TABLE: { Ref: "EventsTable" },
      MODEL_URI: { "Fn::Sub": "s3://${ModelBucket}/models" },
    });
    expect(env(full.template)).toMatchObject({ RETRAIN_EXPORT_ABOVE_EVENTS: "500000" });
    // A failed run is not retried by Lambda (a second export, a second long run): the alarm reports it.
    const [[, invokeConfig]] = ofType(base.template, "AWS::Lambda::EventInvokeConfig");
    expect(invokeConfig.Properties).toMatchObject({
      FunctionName: { Ref: "RetrainLambdaFunction" },
      MaximumRetryAttempts: 0,
    });
  });

  it("grants the retrain role the export of the events table and S3 on the model and export prefixes only", () => {
    // Exports need point-in-time recovery on the table.
    expect(base.template.Resources.EventsTable.Properties.PointInTimeRecoverySpecification).toEqual({
      PointInTimeRecoveryEnabled: true,
    });
    for (const { template } of [base, full]) {
      const granted = retrainStatements(template);
      const on = (action: string) => granted.filter((s) => actions(s).includes(action)).flatMap(resources);
      expect(on("dynamodb:ExportTableToPointInTime")).toEqual([{ "Fn::GetAtt": ["EventsTable", "Arn"] }]);
      expect(on("dynamodb:DescribeTable")).toEqual([{ "Fn::GetAtt": ["EventsTable", "Arn"] }]);
      expect(on("dynamodb:DescribeExport")).toEqual([{ "Fn::Sub": "${EventsTable.Arn}/export/*" }]);
      expect(on("dynamodb:Scan").sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
        { "Fn::GetAtt": ["EventsTable", "Arn"] },
        { "Fn::GetAtt": ["ItemsTable", "Arn"] },
      ]);
      // Nothing of the API's: no users or stats tables, no writes to tables, no SageMaker or Personalize.
      const all = JSON.stringify(granted);
      for (const absent of [
        "UsersTable",
        "StatsTable",
        "dynamodb:PutItem",
        "dynamodb:BatchWriteItem",
        "sagemaker:",
        "personalize:",
      ])
        expect(all).not.toContain(absent);

      const s3Objects = granted.filter((s) =>
        actions(s).some((a) => a.startsWith("s3:") && a !== "s3:ListBucket"),
      );
      expect(
        s3Objects.flatMap(resources).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      ).toEqual([
        { "Fn::Sub": "${ModelBucket.Arn}/exports/*" },
        { "Fn::Sub": "${ModelBucket.Arn}/models/*" },
      ]);
      expect(on("s3:GetObject")).toContainEqual({ "Fn::Sub": "${ModelBucket.Arn}/exports/*" });
      // DynamoDB writes the export files with the caller's permissions, under the export prefix only.
      expect(on("s3:PutObject")).toContainEqual({ "Fn::Sub": "${ModelBucket.Arn}/exports/*" });
      const listing = granted.find((s) => actions(s).includes("s3:ListBucket"));
      expect(listing?.Condition).toEqual({ StringLike: { "s3:prefix": ["models/*"] } });
      // its own log group, nothing else
      expect(on("logs:PutLogEvents")).toEqual([
        {
          "Fn::Sub":
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/recs-gateway-test-retrain:*",
        },
      ]);
    }
    // The export files (copies of the events) expire with the bucket's lifecycle.
    const rules = (base.template.Resources.ModelBucket.Properties.LifecycleConfiguration as { Rules: Json[] })
      .Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({ Status: "Enabled", Prefix: "exports/", ExpirationInDays: 3 }),
    );
    expect(JSON.stringify(base.template.Resources.RetrainRole.Properties.AssumeRolePolicyDocument)).toContain(
      "lambda.amazonaws.com",
    );
  });

  it("alarms on the retrain function's errors, to the SNS topic", () => {
    const alarms = ofType(base.template, "AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
    const retrainErrors = alarms.filter(
      (a) =>
        a.Namespace === "AWS/Lambda" &&
        a.MetricName === "Errors" &&
        JSON.stringify(a.Dimensions) ===
          JSON.stringify([{ Name: "FunctionName", Value: { Ref: "RetrainLambdaFunction" } }]),
    );
    expect(retrainErrors).toHaveLength(1);
    expect(retrainErrors[0]).toMatchObject({
      Statistic: "Sum",
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      Threshold: 1,
      AlarmActions: [{ Ref: "AlarmTopic" }],
    });
  });

  it("refuses a retrain memory over 10,240 MB or a timeout over 900 s", async () => {
    const error = await packageTemplate({ retrainMemoryMb: "10241", retrainTimeoutSeconds: "901" }).then(
      () => undefined,
      (e: { message: string; stdout?: string; stderr?: string }) => e,
    );
    const output = `${error?.message}\n${error?.stdout}\n${error?.stderr}`;
    expect(error).toBeDefined();
    expect(output).toMatch(/functions\.retrain\.memorySize': must be <= 10240/);
    expect(output).toMatch(/functions\.retrain\.timeout': must be <= 900/);
  }, 120_000);
});
