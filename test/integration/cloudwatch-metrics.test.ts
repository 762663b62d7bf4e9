import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Logger } from "../../src/observability/logger";
import { createMetrics, recordRequest, type Metrics } from "../../src/observability/metrics";
import { startCloudWatchServer, type CloudWatchTestServer } from "../support/cloudwatch-server";

let server: CloudWatchTestServer;
let logLines: Array<Record<string, unknown>>;

beforeAll(async () => {
  server = await startCloudWatchServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.received.length = 0;
  logLines = [];
});

/**
 * The sink aggregates per minute: on the wall clock a test's values could straddle a minute's end and
 * come out as two datums, so the clock stands still mid-minute unless a test moves it.
 */
const MID_MINUTE = Date.UTC(2026, 0, 1, 12, 0, 30);

function cloudwatchMetrics(flushIntervalMs = 3_600_000, now: () => number = () => MID_MINUTE): Metrics {
  const log = new Logger("debug", {}, (line) => logLines.push(JSON.parse(line)));
  return createMetrics(
    { sink: "cloudwatch", namespace: "TestNs", endpointUrl: server.endpoint, region: "us-east-1" },
    log,
    { flushIntervalMs, now },
  );
}

const allData = () => server.received.flatMap((r) => r.body.MetricData);

describe("cloudwatch sink (PutMetricData over awsJson1_0)", () => {
  it("aggregates values into Values/Counts per name, dimensions and unit", async () => {
    const minute = Date.UTC(2026, 0, 1, 12, 30);
    const metrics = cloudwatchMetrics(undefined, () => minute + 42_000);
    for (const ms of [10, 10, 20, 10]) recordRequest(metrics, "recommendations", "NMF", ms);
    metrics.put("Latency", 5, "Milliseconds", { Strategy: "POPULAR", Operation: "recommendations" });
    metrics.put("Latency", 5, "Milliseconds", { Operation: "recommendations", Strategy: "POPULAR" });
    await metrics.close();

    expect(server.received).toHaveLength(1);
    const [call] = server.received;
    expect(call.headers["x-amz-target"]).toBe("GraniteServiceVersion20100801.PutMetricData");
    expect(call.headers["content-type"]).toBe("application/x-amz-json-1.0");
    expect(call.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/us-east-1\/monitoring\//,
    );
    expect(call.body.Namespace).toBe("TestNs");

    const byKey = new Map(
      call.body.MetricData.map((d) => [
        `${d.MetricName}|${(d.Dimensions ?? [])
          .map((x) => `${x.Name}=${x.Value}`)
          .sort()
          .join(",")}`,
        d,
      ]),
    );
    const nmf = byKey.get("Latency|Operation=recommendations,Strategy=NMF");
    expect(nmf).toMatchObject({ Unit: "Milliseconds", Values: [10, 20], Counts: [3, 1] });
    // The same dimensions in another order are the same metric.
    expect(byKey.get("Latency|Operation=recommendations,Strategy=POPULAR")).toMatchObject({
      Values: [5],
      Counts: [2],
    });
    // recordRequest also feeds the dimensionless roll-up that the alarms watch.
    expect(byKey.get("Latency|")).toMatchObject({ Values: [10, 20], Counts: [3, 1] });
    // Stamped with the start of the minute the values belong to (awsJson sends epoch seconds).
    expect(nmf?.Timestamp).toBe(minute / 1000);
  });

  it("keeps values of different minutes apart, each with its own timestamp", async () => {
    let now = Date.UTC(2026, 0, 1, 12, 30, 59);
    const metrics = cloudwatchMetrics(undefined, () => now);
    metrics.put("ColdStart", 1, "Count");
    now += 2_000;
    metrics.put("ColdStart", 1, "Count");
    await metrics.close();
    expect(allData().map((d) => [d.Timestamp, d.Counts])).toEqual([
      [Date.UTC(2026, 0, 1, 12, 30) / 1000, [1]],
      [Date.UTC(2026, 0, 1, 12, 31) / 1000, [1]],
    ]);
  });

  it("splits more than 150 distinct values into several datums and keeps every count", async () => {
    const metrics = cloudwatchMetrics();
    for (let v = 0; v < 400; v++) metrics.put("Spread", v, "None");
    metrics.put("Spread", 7, "None");
    await metrics.close();

    const data = allData();
    expect(data.map((d) => d.Values?.length)).toEqual([150, 150, 100]);
    const values = data.flatMap((d) => d.Values ?? []);
    expect(new Set(values).size).toBe(400);
    expect(data.flatMap((d) => d.Counts ?? []).reduce((a, b) => a + b, 0)).toBe(401);
  });

  it("sends at most 1000 datums per call", async () => {
    const metrics = cloudwatchMetrics();
    for (let i = 0; i < 2500; i++) metrics.put(`M${i}`, 1, "Count");
    await metrics.close();

    expect(server.received.map((r) => r.body.MetricData.length)).toEqual([1000, 1000, 500]);
    expect(new Set(allData().map((d) => d.MetricName)).size).toBe(2500);
  });

  it("keeps every call under 1 MB and the SDK gzips large bodies", async () => {
    const metrics = cloudwatchMetrics();
    const dimensions = Object.fromEntries(
      Array.from({ length: 30 }, (_, d) => [`Dim${d}`, `${d}`.padEnd(255, "x")]),
    );
    for (let m = 0; m < 120; m++) {
      for (let v = 0; v < 150; v++) metrics.put(`Big${m}`, v + 0.123456789012345, "Milliseconds", dimensions);
    }
    await metrics.close();

    expect(server.received.length).toBeGreaterThan(1);
    for (const call of server.received) {
      expect(Buffer.byteLength(JSON.stringify(call.body))).toBeLessThanOrEqual(1_048_576);
      expect(call.headers["content-encoding"]).toBe("gzip");
    }
    const data = allData();
    expect(data).toHaveLength(120);
    expect(data.every((d) => d.Dimensions?.length === 30 && d.Values?.length === 150)).toBe(true);
  });

  it("flushes in the background on its interval", async () => {
    const metrics = cloudwatchMetrics(20);
    metrics.put("ColdStart", 1, "Count");
    await expect.poll(() => server.received.length, { timeout: 5_000 }).toBe(1);
    await metrics.close();
    expect(allData()).toEqual([
      expect.objectContaining({ MetricName: "ColdStart", Values: [1], Counts: [1] }),
    ]);
  });

  it("drops a failed batch with a warning, never rejects, and sends later values", async () => {
    const metrics = cloudwatchMetrics();
    server.failNext(3); // every attempt the SDK makes (3 by default)
    metrics.put("Lost", 1, "Count");
    await expect(metrics.flush()).resolves.toBeUndefined();
    expect(logLines).toContainEqual(
      expect.objectContaining({ level: "warn", msg: "PutMetricData failed", datums: 1 }),
    );

    metrics.put("Kept", 1, "Count");
    await metrics.close();
    expect(allData().map((d) => d.MetricName)).toEqual(["Kept"]);
  });

  it("refuses values CloudWatch would reject, with a warning", async () => {
    const metrics = cloudwatchMetrics();
    metrics.put("Bad", Number.NaN, "None");
    metrics.put("Bad", Infinity, "None");
    metrics.put("Good", 2, "None");
    await metrics.close();
    expect(allData().map((d) => d.MetricName)).toEqual(["Good"]);
    expect(logLines.filter((l) => l.msg === "metric dropped")).toHaveLength(2);
  });

  it("sends what is left when a process ends on its own", async () => {
    const script = path.resolve(__dirname, "../support/cloudwatch-exit-script.ts");
    await promisify(execFile)(process.execPath, ["--import", "tsx", script, server.endpoint], {
      cwd: path.resolve(__dirname, "../.."),
      env: { ...process.env, LOG_LEVEL: "silent" },
    });
    expect(allData()).toEqual([
      expect.objectContaining({ MetricName: "TrainingSeconds", Values: [12], Unit: "Seconds" }),
    ]);
  });
});
