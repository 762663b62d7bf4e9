import { describe, expect, it } from "vitest";
import { ApiKeyGuard } from "../../../src/security/api-keys";
import { guardLambdaRequest, rejectionResult } from "../../../src/security/lambda-guard";
import { httpApiEvent } from "../../support/lambda-events";

const event = (body: string, headers: Record<string, string> = {}, isBase64Encoded = false) =>
  httpApiEvent({ body, headers, isBase64Encoded });

const options = { keys: new ApiKeyGuard(["secret"]), maxBodyBytes: 1_000 };
const query = JSON.stringify({ query: '{ item(id: "1") { id } }' });

describe("guardLambdaRequest", () => {
  it("answers 413 PAYLOAD_TOO_LARGE over the body cap, counting decoded bytes of base64 bodies", () => {
    const big = JSON.stringify({ query: `{ health { status } } #${"x".repeat(1_000)}` });
    const plain = guardLambdaRequest(event(big, { "x-api-key": "secret" }), options);
    expect(plain?.status).toBe(413);
    expect(plain?.body.errors[0]?.extensions.code).toBe("PAYLOAD_TOO_LARGE");
    const encoded = Buffer.from("y".repeat(900)).toString("base64"); // 1,200 characters, 900 bytes
    expect(guardLambdaRequest(event(encoded, { "x-api-key": "secret" }, true), options)).toBeUndefined();
  });

  it("answers 401 UNAUTHENTICATED without a valid x-api-key, except for a health-only query", () => {
    expect(guardLambdaRequest(event(query), options)?.status).toBe(401);
    expect(
      guardLambdaRequest(event(query, { "x-api-key": "nope" }), options)?.body.errors[0]?.extensions.code,
    ).toBe("UNAUTHENTICATED");
    expect(guardLambdaRequest(event(query, { "x-api-key": "secret" }), options)).toBeUndefined();
    const health = Buffer.from(JSON.stringify({ query: "{ health { status } }" })).toString("base64");
    expect(guardLambdaRequest(event(health, {}, true), options)).toBeUndefined();
  });

  it("turns a rejection into an HTTP API result with a GraphQL-shaped body", () => {
    const result = rejectionResult(guardLambdaRequest(event(query), options)!);
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body!)).toEqual({
      errors: [{ message: "a valid x-api-key header is required", extensions: { code: "UNAUTHENTICATED" } }],
    });
  });
});
