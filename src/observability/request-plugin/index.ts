import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from "@apollo/server";
import type { OperationDefinitionNode } from "graphql";
import type { Logger } from "../logger";
import { recordError, recordRequest } from "../metrics/gateway";
import type { Metrics } from "../metrics/metrics";

/** What the plugin needs from the per-request context; the recommendation service fills `served`. */
export interface ObservedContext {
  requestId: string;
  log: Logger;
  metrics: Metrics;
  served: Array<{ strategy: string; fallbackFrom?: string }>;
  /** How a user appears in the logs: the keyed pseudonym, or undefined (left out) without a key. */
  logName(userId: string): string | undefined;
}

/** No strategy took part (item, health, recordEvent...). */
export const NO_STRATEGY = "NONE";
/** The document did not parse or validate, so there is no operation to name. */
export const INVALID_OPERATION = "INVALID";

/**
 * Per request: one structured log line and the Latency and Error metrics. The metric's Operation is
 * the root fields, not the client's operationName: a client must not be able to mint new metrics.
 */
export function requestObservabilityPlugin<TContext extends ObservedContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse(requestContext) {
          const latencyMs = Math.round((performance.now() - started) * 100) / 100;
          report(requestContext, latencyMs);
        },
      };
    },
  };
}

function report<TContext extends ObservedContext>(
  requestContext: GraphQLRequestContextWillSendResponse<TContext>,
  latencyMs: number,
): void {
  const { contextValue, request, operation } = requestContext;
  const operationLabel = operation ? rootFields(operation) : INVALID_OPERATION;
  const strategies = [...new Set(contextValue.served.map((s) => s.strategy))].sort();
  const strategy = strategies.length ? strategies.join(",") : NO_STRATEGY;
  const fallbackFrom = contextValue.served.flatMap((s) => (s.fallbackFrom ? [s.fallbackFrom] : []));
  const errorCodes = sentErrors(requestContext).map(errorCode);

  recordRequest(contextValue.metrics, operationLabel, strategy, latencyMs);
  for (const code of errorCodes) recordError(contextValue.metrics, code);

  const userId = requestUserId(request.variables);
  const fields = {
    requestId: contextValue.requestId,
    operation: operationLabel,
    operationName: requestContext.operationName ?? request.operationName ?? undefined,
    strategy,
    fallbackFrom: fallbackFrom.length ? fallbackFrom : undefined,
    latencyMs,
    status: requestContext.response.http.status ?? 200,
    errorCodes: errorCodes.length ? errorCodes : undefined,
    user: userId === undefined ? undefined : contextValue.logName(userId),
  };
  if (errorCodes.includes("INTERNAL_SERVER_ERROR")) contextValue.log.error("graphql request", fields);
  else if (errorCodes.length) contextValue.log.warn("graphql request", fields);
  else contextValue.log.info("graphql request", fields);
}

/** Apollo reuses the parsed document of a repeated query, so each operation is labelled once. */
const labels = new WeakMap<OperationDefinitionNode, string>();

/** "recommendations" or "health,item": bounded by the schema, whatever the client sends. */
function rootFields(operation: OperationDefinitionNode): string {
  let label = labels.get(operation);
  if (label === undefined) labels.set(operation, (label = labelOf(operation)));
  return label;
}

function labelOf(operation: OperationDefinitionNode): string {
  const names = operation.selectionSet.selections.flatMap((s) => (s.kind === "Field" ? [s.name.value] : []));
  return names.length ? [...new Set(names)].sort().join(",") : operation.operation;
}

/** The errors as the client received them (after formatError), so metrics count the codes clients see. */
function sentErrors<TContext extends ObservedContext>(
  requestContext: GraphQLRequestContextWillSendResponse<TContext>,
): ReadonlyArray<{ extensions?: Record<string, unknown> }> {
  const { body } = requestContext.response;
  if (body.kind === "single") return body.singleResult.errors ?? [];
  return requestContext.errors ?? [];
}

function errorCode(error: { extensions?: Record<string, unknown> }): string {
  const code = error.extensions?.code;
  return typeof code === "string" ? code : "INTERNAL_SERVER_ERROR";
}

/** userId as a variable, or inside an `input` variable (recordEvent). */
function requestUserId(variables: Record<string, unknown> | undefined): string | undefined {
  const input = variables?.input;
  const candidate =
    variables?.userId ??
    (input && typeof input === "object" ? (input as Record<string, unknown>).userId : undefined);
  return typeof candidate === "string" ? candidate : undefined;
}
