import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateDemoData } from "../../src/demo/synthetic";
import {
  HealthDocument,
  ItemDocument,
  ModelVersionsDocument,
  PopularItemsDocument,
  RecommendationsDocument,
  RecordEventDocument,
  RecordEventsDocument,
  RelatedItemsDocument,
} from "../../src/generated/operations";
import { execute, postGraphQL } from "../support/graphql-client";
import { startServerProcess, type ServerProcess } from "../support/server-process";

const SEED = { users: 150, items: 300, seed: 7 };
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess({
    SEED_USERS: String(SEED.users),
    SEED_ITEMS: String(SEED.items),
    SEED_RANDOM: String(SEED.seed),
    NMF_COMPONENTS: "16",
  });
}, 120_000);
afterAll(() => server?.stop());

/** The demo data is deterministic: the test knows what each seeded user has seen. */
function seenBy(userId: string): Set<string> {
  const { events } = generateDemoData(SEED);
  return new Set(events.filter((e) => e.userId === userId).map((e) => e.itemId));
}

describe("the local server on its embedded defaults", () => {
  it("recommends 10 distinct unseen items, best first, from NMF", async () => {
    const res = await execute(server.url, RecommendationsDocument, { userId: "user-0001", k: 10 });
    expect(res.errors).toBeUndefined();
    const list = res.data!.recommendations;
    expect(list.strategy).toBe("NMF");
    expect(list.fallbackFrom).toBeNull();
    expect(list.modelVersion).toBeTruthy();
    const ids = list.items.map((i) => i.itemId);
    expect(new Set(ids).size).toBe(10);
    const scores = list.items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(list.items.map((i) => i.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const seen = seenBy("user-0001");
    expect(ids.filter((id) => seen.has(id))).toEqual([]);
    expect(list.items.every((i) => i.item?.id === i.itemId && i.item.title)).toBe(true);
  });

  it("stops recommending an item once the user has interacted with it", async () => {
    const before = await execute(server.url, RecommendationsDocument, { userId: "user-0002", k: 10 });
    const top = before.data!.recommendations.items[0]!.itemId;
    const recorded = await execute(server.url, RecordEventDocument, {
      input: {
        userId: "user-0002",
        itemId: top,
        type: "PURCHASE",
        recommendationId: before.data!.recommendations.recommendationId,
      },
    });
    expect(recorded.data!.recordEvent).toMatchObject({ duplicate: false });
    expect(recorded.data!.recordEvent.eventId).toMatch(/[0-9a-f-]{36}/);
    const after = await execute(server.url, RecommendationsDocument, { userId: "user-0002", k: 10 });
    expect(after.data!.recommendations.items.map((i) => i.itemId)).not.toContain(top);
  });

  it("personalises a brand-new user from their first events (fold-in), and serves POPULAR before that", async () => {
    const cold = await execute(server.url, RecommendationsDocument, { userId: "newcomer", k: 5 });
    expect(cold.data!.recommendations).toMatchObject({ strategy: "POPULAR", fallbackFrom: "NMF" });
    const books = await execute(server.url, PopularItemsDocument, { k: 3, filter: { category: "books" } });
    const inputs = books.data!.popularItems.items.map((i) => ({
      userId: "newcomer",
      itemId: i.itemId,
      type: "PURCHASE" as const,
    }));
    const recorded = await execute(server.url, RecordEventsDocument, { inputs });
    expect(recorded.data!.recordEvents).toHaveLength(inputs.length);
    const warm = await execute(server.url, RecommendationsDocument, { userId: "newcomer", k: 5 });
    expect(warm.data!.recommendations.strategy).toBe("NMF");
  });

  it("relates items to an item without returning the item itself, and filters by category", async () => {
    const res = await execute(server.url, RelatedItemsDocument, { itemId: "item-0001", k: 8 });
    const ids = res.data!.relatedItems.items.map((i) => i.itemId);
    expect(ids.length).toBe(8);
    expect(ids).not.toContain("item-0001");
    const filtered = await execute(server.url, RecommendationsDocument, {
      userId: "user-0003",
      k: 5,
      filter: { category: "kitchen" },
    });
    expect(filtered.data!.recommendations.items.every((i) => i.item?.category === "kitchen")).toBe(true);
  });

  it("resolves unknown items to null and reports health", async () => {
    const missing = await execute(server.url, ItemDocument, { id: "no-such-item" });
    expect(missing.data!.item).toBeNull();
    const health = await execute(server.url, HealthDocument, {});
    expect(health.data!.health.status).toBe("ok");
    const nmf = health.data!.health.strategies.find((s) => s.name === "NMF");
    expect(nmf).toMatchObject({ configured: true, ready: true });
  });

  it("seeds a model of each in-process family: ALS and EASE answer when asked, and each lists its own versions", async () => {
    const families = ["NMF", "ALS", "EASE"] as const;
    for (const strategy of ["ALS", "EASE"] as const) {
      const answer = await execute(server.url, RecommendationsDocument, {
        userId: "user-0001",
        k: 5,
        strategy,
      });
      expect(answer.data!.recommendations).toMatchObject({ strategy });
      expect(answer.data!.recommendations.items).toHaveLength(5);
      const related = await execute(server.url, RelatedItemsDocument, {
        itemId: "item-0001",
        k: 3,
        strategy,
      });
      expect(related.data!.relatedItems).toMatchObject({ strategy });
      expect(related.data!.relatedItems.items.map((i) => i.itemId)).not.toContain("item-0001");
      expect(related.data!.relatedItems.items).toHaveLength(3);
    }
    const byFamily = await Promise.all(
      families.map((family) => execute(server.url, ModelVersionsDocument, { family })),
    );
    for (const [i, family] of families.entries()) {
      const versions = byFamily[i]!.data!.modelVersions;
      expect(versions).toHaveLength(1);
      expect(versions[0]).toMatchObject({ family, latest: true, promoted: true });
    }
    const versions = byFamily.map((answer) => answer.data!.modelVersions[0]!.version);
    expect(new Set(versions).size).toBe(3);
    // Without the argument: NMF's, as before the argument existed.
    const unnamed = await postGraphQL<{ modelVersions: Array<{ family: string }> }>(server.url, {
      query: "{ modelVersions { family } }",
    });
    expect(unnamed.data!.modelVersions).toEqual([{ family: "NMF" }]);
  });
});

describe("bad input", () => {
  const cases: Array<[string, unknown]> = [
    [
      "unknown strategy (variable)",
      {
        query: 'query($s: Strategy){ recommendations(userId: "u", strategy: $s){ strategy } }',
        variables: { s: "MAGIC" },
      },
    ],
    [
      "unknown strategy (literal)",
      { query: '{ recommendations(userId: "u", strategy: MAGIC){ strategy } }' },
    ],
    ["k = 0", { query: '{ recommendations(userId: "u", k: 0){ strategy } }' }],
    ["k = 101", { query: '{ recommendations(userId: "u", k: 101){ strategy } }' }],
    ["empty userId", { query: '{ recommendations(userId: ""){ strategy } }' }],
    ["empty itemId", { query: '{ relatedItems(itemId: ""){ strategy } }' }],
    [
      "unknown event type",
      { query: 'mutation { recordEvent(input: {userId: "u", itemId: "i", type: TELEPORT}){ eventId } }' },
    ],
    [
      "event in the future",
      {
        query:
          'mutation($t: DateTime){ recordEvent(input: {userId: "u", itemId: "i", type: VIEW, timestamp: $t}){ eventId } }',
        variables: { t: "2099-01-01T00:00:00Z" },
      },
    ],
    [
      "context too long",
      {
        query: 'query($c: [ContextEntry!]){ recommendations(userId: "u", context: $c){ strategy } }',
        variables: { c: Array.from({ length: 21 }, (_, i) => ({ key: `k${i}`, value: "v" })) },
      },
    ],
    [
      "too many events",
      {
        query: "mutation($e: [EventInput!]!){ recordEvents(inputs: $e){ eventId } }",
        variables: { e: Array.from({ length: 26 }, () => ({ userId: "u", itemId: "i", type: "VIEW" })) },
      },
    ],
  ];
  for (const [name, body] of cases) {
    it(`${name}: BAD_USER_INPUT, never a 500`, async () => {
      const res = await postGraphQL(server.url, body);
      expect(res.status).toBeLessThan(500);
      expect(res.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    });
  }

  it("writes nothing for a batch with one bad event", async () => {
    const res = await postGraphQL(server.url, {
      query: "mutation($e: [EventInput!]!){ recordEvents(inputs: $e){ eventId } }",
      variables: {
        e: [
          { userId: "batch-user", itemId: "item-0005", type: "VIEW" },
          { userId: "", itemId: "i", type: "VIEW" },
        ],
      },
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "inputs[1].userId" });
    const recs = await execute(server.url, RecommendationsDocument, { userId: "batch-user", k: 3 });
    expect(recs.data!.recommendations.strategy).toBe("POPULAR"); // still a cold user: nothing was stored
  });

  it("answers malformed JSON with 400 and a code", async () => {
    const res = await fetch(server.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(res.status).toBe(400);
    expect(
      ((await res.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code,
    ).toBe("BAD_REQUEST");
  });
});

describe("GraphiQL and CSRF prevention", () => {
  it("serves GraphiQL from its own assets to browsers in development, never Apollo's CDN page", async () => {
    const res = await fetch(server.url, { headers: { accept: "text/html" } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
    const html = await res.text();
    expect(html).not.toMatch(/embeddable-sandbox|EmbeddedSandbox|https?:/);
    const script = /src="([^"]+graphiql\.js[^"]*)"/.exec(html)?.[1];
    const asset = await fetch(new URL(script!, server.url));
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect((await asset.text()).length).toBeGreaterThan(100_000);
  });

  it("refuses a simple GET query without a preflight header", async () => {
    const res = await fetch(`${server.url}?query=${encodeURIComponent("{ health { status } }")}`);
    expect(res.status).toBe(400);
    const ok = await fetch(`${server.url}?query=${encodeURIComponent("{ health { status } }")}`, {
      headers: { "apollo-require-preflight": "true" },
    });
    expect(ok.status).toBe(200);
  });
});
