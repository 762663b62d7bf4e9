import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { localDynamo } from "./local-dynamo";

/** An API Gateway HTTP API (payload 2.0) event for POST or GET /graphql (or `path`), as the Lambda receives it. */
export function httpApiEvent(options: {
  body?: string;
  headers?: Record<string, string>;
  method?: "GET" | "POST";
  isBase64Encoded?: boolean;
  path?: string;
}): APIGatewayProxyEventV2 {
  const method = options.method ?? "POST";
  const path = options.path ?? "/graphql";
  return {
    version: "2.0",
    routeKey: `${method} ${path}`,
    rawPath: path,
    rawQueryString: "",
    headers: { "content-type": "application/json", ...options.headers },
    requestContext: {
      accountId: "123456789012",
      apiId: "api",
      domainName: "example.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "example",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "vitest" },
      requestId: "req-1",
      routeKey: `${method} ${path}`,
      stage: "$default",
      time: "21/Nov/2026:12:00:00 +0000",
      timeEpoch: Date.now(),
    },
    body: options.body,
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

/**
 * The environment serverless.yml gives the functions, with dynalite standing in for DynamoDB and tables
 * and a model folder of their own (`name`), set on process.env; `extra` adds a test's own settings. The
 * tables are created, so the handler modules can be imported next.
 */
export async function setLambdaEnvironment(name: string, extra: Record<string, string> = {}): Promise<void> {
  const dynamo = await localDynamo();
  Object.assign(process.env, {
    AWS_LAMBDA_FUNCTION_NAME: `recs-${name}`,
    STAGE: "test",
    LOG_LEVEL: "silent",
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    ITEMS_TABLE: `${name}-items`,
    EVENTS_TABLE: `${name}-events`,
    USERS_TABLE: `${name}-users`,
    STATS_TABLE: `${name}-stats`,
    MODEL_URI: mkdtempSync(join(tmpdir(), `recs-${name}-models-`)),
    METRICS_SINK: "off",
    ...extra,
  });
}
