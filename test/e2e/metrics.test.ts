import { describe, expect, it } from "vitest";
import { RecommendationsDocument, RecordEventDocument } from "../../src/generated/operations";
import { startCloudWatchServer } from "../support/cloudwatch-server";
import { execute, postGraphQL } from "../support/graphql-client";
import { startServerProcess, type ServerProcess } from "../support/server-process";

const SEED = { SEED_USERS: "60", SEED_ITEMS: "120", NMF_COMPONENTS: "8" };

/** What the gateway does in a day, in small: a served list, a cold user's fallback, an event, a bad request. */
async function traffic(server: ServerProcess) {
  await execute(server.url, RecommendationsDocument, { userId: "user-0001", k: 5 });
  await execute(server.url, RecommendationsDocument, { userId: "nobody-yet", k: 5 });
  await execute(server.url, RecordEventDocument, {
    input: { userId: "user-0001", itemId: "item-0003", type: "ADD_TO_CART" },
  });
  await postGraphQL(server.url, { query: '{ recommendations(userId: "u", k: 0) { strategy } }' });
}

type Metric = { name: string; dims: Record<string, string> };

function expectGatewayMetrics(metrics: Metric[]) {
  const has = (name: string, dims: Record<string, string> = {}) =>
    metrics.some((m) => m.name === name && Object.entries(dims).every(([k, v]) => m.dims[k] === v));
  expect(has("Latency", { Operation: "recommendations", Strategy: "NMF" })).toBe(true);
  expect(has("Latency", { Operation: "recommendations", Strategy: "POPULAR" })).toBe(true);
  expect(has("Fallback", { From: "NMF", To: "POPULAR" })).toBe(true);
  expect(has("EventsIngested", { EventType: "ADD_TO_CART" })).toBe(true);
  expect(has("Error", { Code: "BAD_USER_INPUT" })).toBe(true);
  // The demo seed trains a model at start: its figures are metrics too.
  for (const name of ["ModelNdcgAt10", "ModelLoss", "TrainingSeconds", "ModelSizeBytes"])
    expect(has(name)).toBe(true);
}

describe("metrics from the running gateway", () => {
  it("writes CloudWatch Embedded Metric Format lines on stdout (METRICS_SINK=emf)", async () => {
    const server = await startServerProcess({
      ...SEED,
      METRICS_SINK: "emf",
      CLOUDWATCH_NAMESPACE: "RecsTest",
    });
    try {
      await traffic(server);
      await new Promise((resolve) => setTimeout(resolve, 200)); // EMF lines are written right after the work
    } finally {
      await server.stop();
    }
    const metrics: Metric[] = [];
    for (const line of server.output().split("\n")) {
      if (!line.startsWith("{") || !line.includes('"_aws"')) continue;
      const emf = JSON.parse(line);
      for (const directive of emf._aws.CloudWatchMetrics) {
        expect(directive.Namespace).toBe("RecsTest");
        const dimNames: string[] = directive.Dimensions[0] ?? [];
        for (const m of directive.Metrics) {
          expect(emf[m.Name]).toBeDefined();
          metrics.push({ name: m.Name, dims: Object.fromEntries(dimNames.map((d) => [d, String(emf[d])])) });
        }
      }
    }
    expectGatewayMetrics(metrics);
  });

  it("sends PutMetricData to CloudWatch, flushed on shutdown (METRICS_SINK=cloudwatch)", async () => {
    const cloudwatch = await startCloudWatchServer();
    try {
      const server = await startServerProcess({
        ...SEED,
        METRICS_SINK: "cloudwatch",
        CLOUDWATCH_NAMESPACE: "RecsTest",
        CLOUDWATCH_ENDPOINT_URL: cloudwatch.endpoint,
      });
      await traffic(server);
      await server.stop();
      const data = cloudwatch.received.flatMap((r) => {
        expect(r.body.Namespace).toBe("RecsTest");
        return r.body.MetricData;
      });
      expectGatewayMetrics(
        data.map((d) => ({
          name: d.MetricName,
          dims: Object.fromEntries((d.Dimensions ?? []).map((x) => [x.Name, x.Value])),
        })),
      );
      const latency = data.find((d) => d.MetricName === "Latency" && !d.Dimensions?.length)!;
      expect(latency.Values!.length).toBe(latency.Counts!.length);
      expect(latency.Counts!.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(4);
    } finally {
      await cloudwatch.close();
    }
  });
});
