import type { Logger } from "../logger";

export type MetricUnit = "Count" | "Milliseconds" | "Seconds" | "Bytes" | "None";

export type Dimensions = Record<string, string>;

export interface Metrics {
  /** Records one value; never throws and never waits on I/O (the request path calls it). */
  put(name: string, value: number, unit: MetricUnit, dimensions?: Dimensions): void;
  /** Sends what is buffered; never rejects (metrics are best effort). */
  flush(): Promise<void>;
  /** Stops background work and sends the rest: call it on shutdown. */
  close(): Promise<void>;
}

/** Both CloudWatch (PutMetricData, EMF) cap dimensions per metric at 30. */
export const MAX_DIMENSIONS = 30;

/** CloudWatch rejects NaN, the infinities, and magnitudes above 2^360. */
const MAX_MAGNITUDE = 2 ** 360;

/** Shared input check: returns why a datum is refused, or undefined when it is fine. */
export function invalidDatum(name: string, value: number, dimensions: Dimensions): string | undefined {
  if (!name) return "empty metric name";
  if (!Number.isFinite(value) || Math.abs(value) > MAX_MAGNITUDE) return `value ${value} out of range`;
  if (Object.keys(dimensions).length > MAX_DIMENSIONS) return `more than ${MAX_DIMENSIONS} dimensions`;
  return undefined;
}

/** A stable key for a dimension set, whatever the insertion order of its names. */
export function dimensionsKey(dimensions: Dimensions): string {
  return JSON.stringify(
    Object.keys(dimensions)
      .sort()
      .map((k) => [k, dimensions[k]]),
  );
}

/** Drops a refused datum with one warning, so a bad call site shows up in the logs without failing requests. */
export function refuse(log: Logger, name: string, reason: string): void {
  log.warn("metric dropped", { metric: name, reason });
}

export class NoMetrics implements Metrics {
  put(): void {}
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}
