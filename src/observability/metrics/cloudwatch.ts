import { PutMetricDataCommand, type CloudWatchClient, type MetricDatum } from "@aws-sdk/client-cloudwatch";
import type { Logger } from "../logger";
import {
  dimensionsKey,
  invalidDatum,
  refuse,
  type Dimensions,
  type MetricUnit,
  type Metrics,
} from "./metrics";

/** PutMetricData limits (API reference): per call and per datum. */
export const PUT_MAX_DATUMS = 1000;
export const PUT_MAX_VALUES_PER_DATUM = 150;
/** The API takes 1 MB per request; the margin leaves room for the envelope and JSON escaping. */
export const PUT_MAX_BYTES = 1_000_000;

const MINUTE_MS = 60_000;

interface Aggregate {
  name: string;
  unit: MetricUnit;
  dimensions: Dimensions;
  /** Start of the minute the values belong to: CloudWatch's standard resolution. */
  minute: number;
  counts: Map<number, number>;
}

/**
 * PutMetricData sink: values are aggregated in memory into Values/Counts per metric, dimensions,
 * unit and minute, and sent in the background; the request path only touches a Map.
 */
export class CloudWatchMetrics implements Metrics {
  private pending = new Map<string, Aggregate>();
  /** Sends run one after another, so close() can wait for every one of them. */
  private sending: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly onBeforeExit = (): void => {
    if (this.pending.size) void this.flush();
  };

  constructor(
    private readonly namespace: string,
    private readonly client: CloudWatchClient,
    private readonly log: Logger,
    flushIntervalMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => void this.flush(), flushIntervalMs).unref();
    // A CLI run that ends on its own still sends its last values.
    process.on("beforeExit", this.onBeforeExit);
  }

  put(name: string, value: number, unit: MetricUnit, dimensions: Dimensions = {}): void {
    const reason = invalidDatum(name, value, dimensions);
    if (reason) return refuse(this.log, name, reason);
    const minute = Math.floor(this.now() / MINUTE_MS) * MINUTE_MS;
    const key = `${minute}\u0000${name}\u0000${unit}\u0000${dimensionsKey(dimensions)}`;
    let aggregate = this.pending.get(key);
    if (!aggregate) {
      aggregate = { name, unit, dimensions: { ...dimensions }, minute, counts: new Map() };
      this.pending.set(key, aggregate);
    }
    aggregate.counts.set(value, (aggregate.counts.get(value) ?? 0) + 1);
  }

  flush(): Promise<void> {
    const aggregates = [...this.pending.values()];
    this.pending = new Map();
    for (const batch of batches(aggregates.flatMap(toDatums))) {
      this.sending = this.sending.then(() => this.send(batch));
    }
    return this.sending;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    process.off("beforeExit", this.onBeforeExit);
    await this.flush();
  }

  private async send(batch: MetricDatum[]): Promise<void> {
    try {
      await this.client.send(new PutMetricDataCommand({ Namespace: this.namespace, MetricData: batch }));
    } catch (error) {
      // Dropped, not retried forever: the SDK already retried, and metrics must not pile up in memory.
      this.log.warn("PutMetricData failed", { error, datums: batch.length });
    }
  }
}

/** One aggregate becomes as many datums as its distinct values need, 150 per datum. */
function toDatums(aggregate: Aggregate): MetricDatum[] {
  const entries = [...aggregate.counts.entries()];
  const datums: MetricDatum[] = [];
  for (let i = 0; i < entries.length; i += PUT_MAX_VALUES_PER_DATUM) {
    const chunk = entries.slice(i, i + PUT_MAX_VALUES_PER_DATUM);
    datums.push({
      MetricName: aggregate.name,
      Unit: aggregate.unit,
      Timestamp: new Date(aggregate.minute),
      Dimensions: Object.entries(aggregate.dimensions).map(([Name, Value]) => ({ Name, Value })),
      Values: chunk.map(([value]) => value),
      Counts: chunk.map(([, count]) => count),
    });
  }
  return datums;
}

/** Groups datums into calls within the per-call count and size limits. */
function batches(datums: MetricDatum[]): MetricDatum[][] {
  const result: MetricDatum[][] = [];
  let current: MetricDatum[] = [];
  let bytes = 0;
  for (const datum of datums) {
    const size = Buffer.byteLength(JSON.stringify(datum)) + 1;
    if (current.length && (current.length === PUT_MAX_DATUMS || bytes + size > PUT_MAX_BYTES)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length) result.push(current);
  return result;
}
