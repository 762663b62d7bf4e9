import { describe, expect, it } from "vitest";
import { Logger } from "../../../src/observability/logger";
import {
  METRIC,
  createMetrics,
  recordCircuitState,
  recordColdStart,
  recordError,
  recordEventsIngested,
  recordFallback,
  recordRequest,
  recordTraining,
  type Metrics,
} from "../../../src/observability/metrics";

interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [member: string]: unknown;
}

function emf(): { metrics: Metrics; lines: EmfLine[]; warnings: Array<Record<string, unknown>> } {
  const lines: EmfLine[] = [];
  const warnings: Array<Record<string, unknown>> = [];
  const log = new Logger("warn", {}, (line) => warnings.push(JSON.parse(line)));
  const metrics = createMetrics(
    { sink: "emf", namespace: "RecommendationSystem", region: "us-east-1" },
    log,
    {
      write: (line) => lines.push(JSON.parse(line)),
    },
  );
  return { metrics, lines, warnings };
}

/** Checks a line against the EMF spec: every directive's dimensions and metrics are top-level members. */
function expectValidEmf(line: EmfLine): void {
  expect(Number.isInteger(line._aws.Timestamp)).toBe(true);
  expect(line._aws.CloudWatchMetrics.length).toBeGreaterThan(0);
  for (const directive of line._aws.CloudWatchMetrics) {
    expect(directive.Metrics.length).toBeLessThanOrEqual(100);
    for (const set of directive.Dimensions) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const name of set) expect(typeof line[name]).toBe("string");
    }
    for (const { Name } of directive.Metrics) {
      const value = line[Name];
      const values = Array.isArray(value) ? value : [value];
      expect(values.length).toBeLessThanOrEqual(100);
      for (const v of values) expect(typeof v).toBe("number");
    }
  }
}

describe("EMF sink", () => {
  it("writes spec-shaped lines with the namespace, dimensions, units and values", async () => {
    const { metrics, lines } = emf();
    const before = Date.now();
    recordRequest(metrics, "recommendations", "NMF", 12.5);
    recordRequest(metrics, "recommendations", "NMF", 7);
    await metrics.flush();

    expect(lines).toHaveLength(2);
    lines.forEach(expectValidEmf);
    const withDims = lines.find((l) => l.Operation === "recommendations");
    expect(withDims).toEqual({
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: "RecommendationSystem",
            Dimensions: [["Operation", "Strategy"]],
            Metrics: [{ Name: "Latency", Unit: "Milliseconds" }],
          },
        ],
      },
      Operation: "recommendations",
      Strategy: "NMF",
      Latency: [12.5, 7],
    });
    expect(withDims?._aws.Timestamp).toBeGreaterThanOrEqual(before);
    const rollup = lines.find((l) => l.Operation === undefined);
    expect(rollup?._aws.CloudWatchMetrics[0].Dimensions).toEqual([[]]);
    expect(rollup?.Latency).toEqual([12.5, 7]);
  });

  it("emits every gateway metric with its unit and dimensions", async () => {
    const { metrics, lines } = emf();
    recordFallback(metrics, "NMF", "POPULAR");
    recordError(metrics, "BAD_USER_INPUT");
    recordEventsIngested(metrics, "PURCHASE", 3);
    recordColdStart(metrics);
    recordCircuitState(metrics, "SAGEMAKER_XGBOOST", true);
    recordTraining(metrics, { ndcgAt10: 0.31, loss: 12.5, seconds: 4.2, modelSizeBytes: 2048 });
    await metrics.flush();
    lines.forEach(expectValidEmf);

    const find = (
      name: string,
      dims: Record<string, string>,
    ): { value: unknown; unit?: string } | undefined => {
      const line = lines.find(
        (l) =>
          name in l &&
          Object.keys(dims).length === l._aws.CloudWatchMetrics[0].Dimensions[0].length &&
          Object.entries(dims).every(([k, v]) => l[k] === v),
      );
      if (!line) return undefined;
      return {
        value: line[name],
        unit: line._aws.CloudWatchMetrics[0].Metrics.find((m) => m.Name === name)?.Unit,
      };
    };
    expect(find(METRIC.fallback, { From: "NMF", To: "POPULAR" })).toEqual({ value: 1, unit: "Count" });
    expect(find(METRIC.fallback, {})).toEqual({ value: 1, unit: "Count" });
    expect(find(METRIC.error, { Code: "BAD_USER_INPUT" })).toEqual({ value: 1, unit: "Count" });
    expect(find(METRIC.serverError, {})).toBeUndefined(); // a client's mistake pages nobody
    expect(find(METRIC.eventsIngested, { EventType: "PURCHASE" })).toEqual({ value: 3, unit: "Count" });
    expect(find(METRIC.coldStart, {})).toEqual({ value: 1, unit: "Count" });
    expect(find(METRIC.circuitOpen, { Strategy: "SAGEMAKER_XGBOOST" })).toEqual({ value: 1, unit: "None" });
    expect(find(METRIC.modelNdcgAt10, {})).toEqual({ value: 0.31, unit: "None" });
    expect(find(METRIC.modelLoss, {})).toEqual({ value: 12.5, unit: "None" });
    expect(find(METRIC.trainingSeconds, {})).toEqual({ value: 4.2, unit: "Seconds" });
    expect(find(METRIC.modelSizeBytes, {})).toEqual({ value: 2048, unit: "Bytes" });
  });

  it("counts server-side error codes, and only those, in ServerError (the ErrorRate alarm's metric)", async () => {
    const { metrics, lines } = emf();
    for (const code of [
      "INTERNAL_SERVER_ERROR",
      "SERVICE_UNAVAILABLE",
      "BAD_USER_INPUT",
      "QUERY_LIMIT_EXCEEDED",
    ])
      recordError(metrics, code);
    await metrics.flush();
    const serverErrors = lines.flatMap((l) =>
      METRIC.serverError in l ? [l[METRIC.serverError]].flat() : [],
    );
    expect(serverErrors).toEqual([1, 1]);
  });

  it("puts at most 100 metrics per line and 100 values per metric, losing none", async () => {
    const { metrics, lines } = emf();
    for (let m = 0; m < 250; m++) metrics.put(`M${m}`, m, "Count", { Shard: "a" });
    for (let v = 0; v < 230; v++) metrics.put("Many", v, "Milliseconds", { Shard: "a" });
    await metrics.flush();
    lines.forEach(expectValidEmf);

    expect(Math.max(...lines.map((l) => l._aws.CloudWatchMetrics[0].Metrics.length))).toBe(100);
    const many = lines.flatMap((l) => (l.Many === undefined ? [] : [l.Many].flat()));
    expect(many).toEqual(Array.from({ length: 230 }, (_, v) => v));
    const single = lines.flatMap((l) => Object.keys(l).filter((k) => /^M\d+$/.test(k)));
    expect(new Set(single).size).toBe(250);
  });

  it("keeps the same name with two units in separate lines", async () => {
    const { metrics, lines } = emf();
    metrics.put("Size", 1, "Bytes");
    metrics.put("Size", 2, "Count");
    await metrics.flush();
    lines.forEach(expectValidEmf);
    expect(lines.map((l) => [l.Size, l._aws.CloudWatchMetrics[0].Metrics[0].Unit])).toEqual([
      [1, "Bytes"],
      [2, "Count"],
    ]);
  });

  it("writes on its own right after the current work, without flush()", async () => {
    const { metrics, lines } = emf();
    recordColdStart(metrics);
    expect(lines).toHaveLength(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(1);
  });

  it("refuses what the spec or CloudWatch would reject, with a warning", async () => {
    const { metrics, lines, warnings } = emf();
    metrics.put("NaNValue", Number.NaN, "None");
    metrics.put(
      "TooManyDims",
      1,
      "None",
      Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`D${i}`, "x"])),
    );
    metrics.put("Strategy", 1, "None", { Strategy: "NMF" });
    await metrics.flush();
    expect(lines).toHaveLength(0);
    expect(warnings.map((w) => w.metric)).toEqual(["NaNValue", "TooManyDims", "Strategy"]);
  });

  it("writes nothing with the off sink", async () => {
    const metrics = createMetrics({ sink: "off", namespace: "X", region: "us-east-1" }, new Logger("silent"));
    recordColdStart(metrics);
    await expect(metrics.flush()).resolves.toBeUndefined();
  });
});
