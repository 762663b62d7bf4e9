import { bufferedStdout, type Logger } from "../logger";
import {
  dimensionsKey,
  invalidDatum,
  refuse,
  type Dimensions,
  type MetricUnit,
  type Metrics,
} from "./metrics";

/** EMF limits: at most 100 metric definitions per directive and 100 values per metric. */
export const EMF_MAX_METRICS_PER_LINE = 100;
export const EMF_MAX_VALUES_PER_METRIC = 100;

interface Series {
  name: string;
  unit: MetricUnit;
  values: number[];
}

interface Group {
  dimensions: Dimensions;
  series: Map<string, Series>;
}

/**
 * CloudWatch Embedded Metric Format: JSON lines on stdout that CloudWatch Logs turns into metrics,
 * so the request path never waits on an API call. Values put in the same tick share lines.
 */
export class EmfMetrics implements Metrics {
  private groups = new Map<string, Group>();
  private scheduled = false;

  constructor(
    private readonly namespace: string,
    private readonly log: Logger,
    private readonly write: (line: string) => void = bufferedStdout,
    private readonly now: () => number = Date.now,
  ) {}

  put(name: string, value: number, unit: MetricUnit, dimensions: Dimensions = {}): void {
    const reason =
      invalidDatum(name, value, dimensions) ??
      (name in dimensions || name === "_aws" ? `name ${name} collides with a member of the line` : undefined);
    if (reason) return refuse(this.log, name, reason);

    const key = dimensionsKey(dimensions);
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = { dimensions: { ...dimensions }, series: new Map() }));
    const seriesKey = `${name}\u0000${unit}`;
    const series = group.series.get(seriesKey);
    if (series) series.values.push(value);
    else group.series.set(seriesKey, { name, unit, values: [value] });

    if (!this.scheduled) {
      this.scheduled = true;
      // Written right after the current work, before Lambda can freeze the process between invocations.
      setImmediate(() => this.writeAll()).unref();
    }
  }

  async flush(): Promise<void> {
    this.writeAll();
  }

  async close(): Promise<void> {
    this.writeAll();
  }

  private writeAll(): void {
    this.scheduled = false;
    const groups = [...this.groups.values()];
    this.groups = new Map();
    const timestamp = this.now();
    for (const group of groups) {
      for (const line of emfLines(this.namespace, group.dimensions, [...group.series.values()], timestamp)) {
        this.write(JSON.stringify(line));
      }
    }
  }
}

/** Splits one dimension set's series into as many documents as the EMF limits require. */
function emfLines(namespace: string, dimensions: Dimensions, series: Series[], timestamp: number): object[] {
  const cursors = series.map(() => 0);
  const lines: object[] = [];
  while (cursors.some((c, i) => c < series[i].values.length)) {
    const definitions: Array<{ Name: string; Unit: MetricUnit }> = [];
    const values: Record<string, number | number[]> = {};
    for (let i = 0; i < series.length && definitions.length < EMF_MAX_METRICS_PER_LINE; i++) {
      const { name, unit, values: all } = series[i];
      // One member per name: the same name with another unit waits for the next line.
      if (cursors[i] >= all.length || name in values) continue;
      const chunk = all.slice(cursors[i], cursors[i] + EMF_MAX_VALUES_PER_METRIC);
      cursors[i] += chunk.length;
      definitions.push({ Name: name, Unit: unit });
      values[name] = chunk.length === 1 ? chunk[0] : chunk;
    }
    lines.push({
      _aws: {
        Timestamp: timestamp,
        CloudWatchMetrics: [
          { Namespace: namespace, Dimensions: [Object.keys(dimensions)], Metrics: definitions },
        ],
      },
      ...dimensions,
      ...values,
    });
  }
  return lines;
}
