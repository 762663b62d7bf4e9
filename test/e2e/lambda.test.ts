import type { APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { seedDemoData } from "../../src/jobs/seed";
import { ensureTables } from "../../src/store/tables";
import { httpApiEvent, setLambdaEnvironment } from "../support/lambda-events";

type Handler = typeof import("../../src/lambda").handler;
type RetrainHandler = typeof import("../../src/retrain").handler;
let handler: Handler;
let retrain: RetrainHandler;

const lambdaContext = {
  awsRequestId: "req-1",
  functionName: "recs",
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

function httpEvent(body: unknown, headers: Record<string, string> = {}) {
  return httpApiEvent({ body: JSON.stringify(body), headers });
}

beforeAll(async () => {
  await setLambdaEnvironment("lambda", {
    NMF_COMPONENTS: "16",
    // As serverless.yml sets it with the `dashboard` parameter on.
    DASHBOARD: "true",
  });
  const setup = createApp(loadConfig());
  await ensureTables(setup.db, setup.config.dynamo.tables);
  await seedDemoData(setup, { users: 300, items: 400, seed: 3 });
  await setup.close();
  // Two functions of one package: each module builds its own app, as each Lambda container does.
  ({ handler: retrain } = await import("../../src/retrain"));
  ({ handler } = await import("../../src/lambda"));
});

afterAll(() => {
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
});

describe("Lambda handler", () => {
  it("the retrain function trains on a scheduled event; the GraphQL function then answers from the new model", async () => {
    const [report] = await retrain({ "detail-type": "Scheduled Event", source: "aws.events" }, lambdaContext);
    expect(report, JSON.stringify(report?.decision)).toMatchObject({ promoted: true });

    const result = (await handler(
      httpEvent({
        query: 'query { recommendations(userId: "user-0001", k: 5) { strategy items { itemId } } }',
      }),
      lambdaContext,
    )) as APIGatewayProxyStructuredResultV2;
    expect(result.statusCode).toBe(200);
    const body = JSON.parse(result.body!);
    expect(body.data.recommendations.strategy).toBe("NMF");
    expect(body.data.recommendations.items).toHaveLength(5);
  });

  it("a failed retraining throws, so that Lambda counts it in the function's Errors metric", async () => {
    vi.resetModules();
    const table = process.env.EVENTS_TABLE;
    process.env.EVENTS_TABLE = "lambda-no-such-table";
    try {
      const { handler: failing } = await import("../../src/retrain");
      await expect(failing({ source: "aws.events" }, lambdaContext)).rejects.toMatchObject({
        name: "ResourceNotFoundException",
      });
    } finally {
      process.env.EVENTS_TABLE = table;
    }
  });

  it("answers bad input with BAD_USER_INPUT and no stack trace in production", async () => {
    const result = (await handler(
      httpEvent({ query: 'query { recommendations(userId: "user-0001", k: 0) { strategy } }' }),
      lambdaContext,
    )) as APIGatewayProxyStructuredResultV2;
    const body = JSON.parse(result.body!);
    expect(body.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors[0].extensions.stacktrace).toBeUndefined();
  });

  it("does not serve the Sandbox landing page in production by default", async () => {
    const event = httpApiEvent({ method: "GET", headers: { accept: "text/html" } });
    const result = (await handler(event, lambdaContext)) as APIGatewayProxyStructuredResultV2;
    expect(String(result.body)).not.toMatch(/sandbox/i);
  });

  it("serves the dashboard and its assets from the package when the dashboard parameter is on", async () => {
    const page = (await handler(
      httpApiEvent({ method: "GET", path: "/dashboard", headers: { accept: "text/html" } }),
      lambdaContext,
    )) as APIGatewayProxyStructuredResultV2;
    expect(page.statusCode).toBe(200);
    expect(page.isBase64Encoded).toBe(true);
    const html = Buffer.from(String(page.body), "base64").toString();
    const script = /src="(\/ui\/dashboard\.js)\?v=/.exec(html)?.[1];
    expect(script).toBe("/ui/dashboard.js");
    const asset = (await handler(
      httpApiEvent({ method: "GET", path: script!, headers: { "accept-encoding": "gzip" } }),
      lambdaContext,
    )) as APIGatewayProxyStructuredResultV2;
    expect(asset.headers?.["content-encoding"]).toBe("gzip");
    expect(gunzipSync(Buffer.from(String(asset.body), "base64")).toString()).toMatch(/x-api-key/);
    // GraphiQL stays off in a deployed stage unless LANDING_PAGE asks for it.
    const ide = (await handler(
      httpApiEvent({ method: "GET", headers: { accept: "text/html" } }),
      lambdaContext,
    )) as APIGatewayProxyStructuredResultV2;
    expect(String(ide.body)).not.toMatch(/graphiql/i);
  });
});
