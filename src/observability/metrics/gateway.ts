import type { Metrics } from "./metrics";

/**
 * The gateway's metric names, in one place: alarms and the dashboard in serverless.yml use them too.
 * Latency, Error and Fallback are also emitted without dimensions: CloudWatch alarms need one exact
 * metric, and a service-wide rate is what an alarm watches.
 */
export const METRIC = {
  latency: "Latency",
  fallback: "Fallback",
  error: "Error",
  serverError: "ServerError",
  eventsIngested: "EventsIngested",
  coldStart: "ColdStart",
  circuitOpen: "CircuitOpen",
  modelNdcgAt10: "ModelNdcgAt10",
  modelLoss: "ModelLoss",
  trainingSeconds: "TrainingSeconds",
  modelSizeBytes: "ModelSizeBytes",
} as const;

/** One answered GraphQL operation; strategy is who served it ("NONE" when no strategy took part). */
export function recordRequest(metrics: Metrics, operation: string, strategy: string, ms: number): void {
  metrics.put(METRIC.latency, ms, "Milliseconds", { Operation: operation, Strategy: strategy });
  metrics.put(METRIC.latency, ms, "Milliseconds");
}

export function recordFallback(metrics: Metrics, from: string, to: string): void {
  metrics.put(METRIC.fallback, 1, "Count", { From: from, To: to });
  metrics.put(METRIC.fallback, 1, "Count");
}

/**
 * The error codes that are the gateway's own failure; every other code is a client's mistake
 * (BAD_USER_INPUT, GRAPHQL_VALIDATION_FAILED, QUERY_LIMIT_EXCEEDED...). The ErrorRate alarm watches
 * ServerError, so a client's bug never pages an operator.
 */
export const SERVER_ERROR_CODES: ReadonlySet<string> = new Set([
  "INTERNAL_SERVER_ERROR",
  "SERVICE_UNAVAILABLE",
]);

/** code: the GraphQL error code (extensions.code). */
export function recordError(metrics: Metrics, code: string): void {
  metrics.put(METRIC.error, 1, "Count", { Code: code });
  metrics.put(METRIC.error, 1, "Count");
  if (SERVER_ERROR_CODES.has(code)) metrics.put(METRIC.serverError, 1, "Count");
}

export function recordEventsIngested(metrics: Metrics, eventType: string, count: number): void {
  metrics.put(METRIC.eventsIngested, count, "Count", { EventType: eventType });
}

export function recordColdStart(metrics: Metrics): void {
  metrics.put(METRIC.coldStart, 1, "Count");
}

export function recordCircuitState(metrics: Metrics, strategy: string, open: boolean): void {
  metrics.put(METRIC.circuitOpen, open ? 1 : 0, "None", { Strategy: strategy });
}

export interface TrainingFigures {
  ndcgAt10: number;
  loss: number;
  seconds: number;
  modelSizeBytes: number;
}

export function recordTraining(metrics: Metrics, figures: TrainingFigures): void {
  metrics.put(METRIC.modelNdcgAt10, figures.ndcgAt10, "None");
  metrics.put(METRIC.modelLoss, figures.loss, "None");
  metrics.put(METRIC.trainingSeconds, figures.seconds, "Seconds");
  metrics.put(METRIC.modelSizeBytes, figures.modelSizeBytes, "Bytes");
}
