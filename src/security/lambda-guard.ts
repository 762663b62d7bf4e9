import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { ApiKeyGuard } from "./api-keys";
import { API_KEY_HEADER, checkAccess } from "./access";
import { payloadTooLarge, type Rejection } from "./rejection";

export interface LambdaGuardOptions {
  keys: ApiKeyGuard;
  maxBodyBytes: number;
}

/**
 * The Lambda twin of the local server's checks (src/http/node-handler.ts): body size, then API key,
 * before the event reaches Apollo. API Gateway lowercases HTTP API v2 header names.
 */
export function guardLambdaRequest(
  event: APIGatewayProxyEventV2,
  options: LambdaGuardOptions,
): Rejection | undefined {
  const raw = event.body ?? "";
  const bytes = Buffer.byteLength(raw, event.isBase64Encoded ? "base64" : "utf8");
  if (bytes > options.maxBodyBytes) return payloadTooLarge(options.maxBodyBytes);
  if (!options.keys.enabled) return undefined;
  const method = event.requestContext?.http?.method ?? "POST";
  return checkAccess(options.keys, {
    method,
    apiKey: event.headers?.[API_KEY_HEADER],
    body:
      method === "POST"
        ? parseJson(event.isBase64Encoded ? Buffer.from(raw, "base64").toString("utf8") : raw)
        : undefined,
    search: event.rawQueryString ? `?${event.rawQueryString}` : "",
  });
}

export function rejectionResult(answer: Rejection): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: answer.status,
    headers: { "content-type": "application/json; charset=utf-8" },
    body: JSON.stringify(answer.body),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
