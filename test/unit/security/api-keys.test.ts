import { describe, expect, it } from "vitest";
import { checkAccess } from "../../../src/security/access";
import { ApiKeyGuard } from "../../../src/security/api-keys";
import { isHealthOnlyRequest } from "../../../src/security/health-only";

describe("ApiKeyGuard", () => {
  const guard = new ApiKeyGuard(["key-one", "a-much-longer-second-key"]);

  it("accepts every configured key and nothing else", () => {
    expect(guard.accepts("key-one")).toBe(true);
    expect(guard.accepts("a-much-longer-second-key")).toBe(true);
    for (const wrong of [undefined, "", "key-on", "key-one ", "KEY-ONE", "key-one\0", "x".repeat(10_000)]) {
      expect(guard.accepts(wrong)).toBe(false);
    }
  });

  it("lets everything through when no key is configured", () => {
    const open = new ApiKeyGuard([]);
    expect(open.enabled).toBe(false);
    expect(open.accepts(undefined)).toBe(true);
  });
});

describe("health-only requests", () => {
  const post = (query: unknown) => isHealthOnlyRequest("POST", { query }, "");

  it("recognises a query that selects only health", () => {
    expect(post("{ health { status } }")).toBe(true);
    expect(post("query Probe { health { status version } __typename }")).toBe(true);
    expect(post("{ a: health { status } b: health { stage } }")).toBe(true);
    expect(isHealthOnlyRequest("GET", undefined, "?query=%7Bhealth%7Bstatus%7D%7D")).toBe(true);
  });

  it("refuses anything that could carry another field", () => {
    expect(post('{ health { status } recommendations(userId: "u") { strategy } }')).toBe(false);
    expect(post('{ ...F } fragment F on Query { recommendations(userId: "u") { strategy } }')).toBe(false);
    expect(post('{ ... on Query { item(id: "x") { id } } health { status } }')).toBe(false);
    expect(post("{ health { status } } mutation M { recordEvent(input: {}) { eventId } }")).toBe(false);
    expect(post("mutation { health { status } }")).toBe(false);
    expect(post("{ health @include(if: true) { status } }")).toBe(false);
    expect(post("{ health { status ")).toBe(false);
    expect(post(42)).toBe(false);
    expect(isHealthOnlyRequest("POST", [{ query: "{ health { status } }" }], "")).toBe(false);
    expect(post(`{ health { status } }${" ".repeat(3_000)}`)).toBe(false);
  });
});

describe("checkAccess", () => {
  const guard = new ApiKeyGuard(["secret"]);
  const request = { method: "POST", body: { query: '{ item(id: "1") { id } }' }, search: "" };

  it("answers 401 UNAUTHENTICATED without a valid key, and passes with one", () => {
    for (const apiKey of [undefined, "wrong"]) {
      const denied = checkAccess(guard, { ...request, apiKey });
      expect(denied?.status).toBe(401);
      expect(denied?.body.errors[0]?.extensions.code).toBe("UNAUTHENTICATED");
    }
    expect(checkAccess(guard, { ...request, apiKey: "secret" })).toBeUndefined();
  });

  it("lets a health-only query through without a key", () => {
    expect(
      checkAccess(guard, { ...request, apiKey: undefined, body: { query: "{ health { status } }" } }),
    ).toBeUndefined();
  });
});
