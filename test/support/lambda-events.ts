import type { APIGatewayProxyEventV2 } from "aws-lambda";

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
