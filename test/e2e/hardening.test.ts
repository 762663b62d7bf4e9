import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HealthDocument, RecommendationsDocument, RecordEventDocument } from "../../src/generated/operations";
import { startGatewayOnDynalite, type GatewayOnDynalite } from "../support/gateway-on-dynalite";
import { execute, postGraphQL } from "../support/graphql-client";

const API_KEY = "e2e-key-0123456789";
const HMAC_KEY = "e2e-hmac-key";
const ALLOWED_ORIGIN = "https://shop.example";
const withKey = { "x-api-key": API_KEY };
let gateway: GatewayOnDynalite;

beforeAll(async () => {
  gateway = await startGatewayOnDynalite({
    API_KEYS: `other-key,${API_KEY}`,
    USER_ID_HMAC_KEY: HMAC_KEY,
    CORS_ORIGINS: ALLOWED_ORIGIN,
    MAX_BODY_BYTES: "5000",
  });
}, 120_000);
afterAll(() => gateway?.stop());

const url = () => gateway.server.url;

describe("API keys", () => {
  it("answers 401 UNAUTHENTICATED without a key or with a wrong one, before any resolver runs", async () => {
    const headerSets: Array<Record<string, string>> = [{}, { "x-api-key": "wrong" }, { "x-api-key": "" }];
    for (const headers of headerSets) {
      const res = await execute(url(), RecommendationsDocument, { userId: "user-0001", k: 3 }, headers);
      expect(res.status).toBe(401);
      expect(res.data).toBeUndefined();
      expect(res.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
    // Nothing was recorded by a refused mutation.
    const refused = await execute(url(), RecordEventDocument, {
      input: { userId: "mallory", itemId: "item-0001", type: "VIEW" },
    });
    expect(refused.status).toBe(401);
    expect(await gateway.countEvents(pseudonym("mallory"))).toBe(0);
  });

  it("serves requests with a configured key", async () => {
    const res = await execute(url(), RecommendationsDocument, { userId: "user-0001", k: 3 }, withKey);
    expect(res.status).toBe(200);
    expect(res.data?.recommendations.items).toHaveLength(3);
  });

  it("answers health without a key, but no field smuggled in beside it", async () => {
    const health = await execute(url(), HealthDocument, {});
    expect(health.status).toBe(200);
    expect(health.data?.health.status).toBeTruthy();
    const smuggled = await postGraphQL(url(), {
      query: '{ health { status } item(id: "item-0001") { id title } }',
    });
    expect(smuggled.status).toBe(401);
  });
});

describe("privacy: user ids are pseudonymised at the edge", () => {
  it("stores alice's events under her HMAC pseudonym and finds her state again for recommendations", async () => {
    const before = await execute(url(), RecommendationsDocument, { userId: "alice", k: 10 }, withKey);
    const top = before.data!.recommendations.items[0]!.itemId;
    const recorded = await execute(
      url(),
      RecordEventDocument,
      { input: { userId: "alice", itemId: top, type: "PURCHASE" } },
      withKey,
    );
    expect(recorded.errors).toBeUndefined();

    expect(await gateway.countEvents("alice")).toBe(0);
    expect(await gateway.countEvents(pseudonym("alice"))).toBe(1);
    const after = await execute(url(), RecommendationsDocument, { userId: "alice", k: 10 }, withKey);
    // The purchase is found under the pseudonym: the item is now excluded as seen.
    expect(after.data!.recommendations.items.map((i) => i.itemId)).not.toContain(top);
    expect(gateway.server.output()).not.toContain('"alice"');
  });
});

describe("HTTP limits", () => {
  it("answers 413 PAYLOAD_TOO_LARGE over MAX_BODY_BYTES", async () => {
    const res = await postGraphQL(url(), { query: `{ health { status } } # ${"x".repeat(6_000)}` }, withKey);
    expect(res.status).toBe(413);
    expect(res.errors?.[0]?.extensions?.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers 400 BAD_REQUEST to a body that is not JSON", async () => {
    const res = await postGraphQL(url(), "{not json", withKey);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
  });

  it("refuses a recordEvents batch over 25 with BAD_USER_INPUT and stores none of it", async () => {
    const inputs = Array.from({ length: 26 }, (_, i) => ({
      userId: "batcher",
      itemId: `item-${String(i + 1).padStart(4, "0")}`,
      type: "VIEW",
    }));
    const res = await postGraphQL(
      url(),
      {
        query: "mutation ($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { eventId } }",
        variables: { inputs },
      },
      withKey,
    );
    expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(await gateway.countEvents(pseudonym("batcher"))).toBe(0);
  });

  it("rejects over-limit documents with QUERY_LIMIT_EXCEEDED", async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `h${i}: health { status }`).join(" ");
    const res = await postGraphQL(url(), { query: `{ ${aliases} }` }, withKey);
    expect(res.status).toBe(400);
    expect(res.errors?.[0]?.extensions?.code).toBe("QUERY_LIMIT_EXCEEDED");
  });
});

describe("CORS allow-list", () => {
  async function preflight(origin: string): Promise<Response> {
    return fetch(url(), { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST" } });
  }

  it("allows the configured origin and no other", async () => {
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers.get("access-control-allow-headers")).toContain("x-api-key");
    const other = await preflight("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});

function pseudonym(userId: string): string {
  return createHmac("sha256", HMAC_KEY).update(userId).digest("base64url");
}
