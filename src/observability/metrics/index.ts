import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { awsClientOptions } from "../../shared/aws";
import type { Logger } from "../logger";
import { CloudWatchMetrics } from "./cloudwatch";
import { EmfMetrics } from "./emf";
import { NoMetrics, type Metrics } from "./metrics";

export type { Dimensions, MetricUnit, Metrics } from "./metrics";
export * from "./gateway";

export interface MetricsConfig {
  sink: "emf" | "cloudwatch" | "off";
  namespace: string;
  endpointUrl?: string;
  region: string;
}

export interface MetricsOptions {
  /** Where EMF lines go (stdout by default). */
  write?: (line: string) => void;
  /** How often the cloudwatch sink sends in the background. */
  flushIntervalMs?: number;
  /** The clock that stamps values (tests pin it). */
  now?: () => number;
}

export function createMetrics(cfg: MetricsConfig, log: Logger, options: MetricsOptions = {}): Metrics {
  const metricsLog = log.child({ component: "metrics" });
  switch (cfg.sink) {
    case "emf":
      return new EmfMetrics(cfg.namespace, metricsLog, options.write, options.now);
    case "cloudwatch": {
      const client = new CloudWatchClient(awsClientOptions(cfg.region, cfg.endpointUrl));
      return new CloudWatchMetrics(
        cfg.namespace,
        client,
        metricsLog,
        options.flushIntervalMs ?? 60_000,
        options.now,
      );
    }
    case "off":
      return new NoMetrics();
  }
}
