import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
} from "@aws-sdk/lib-dynamodb";
import { batchGetByKey } from "../../src/store/batch-get";
import { POPULARITY_SHARDS } from "../../src/store/popularity.store";
import { createTestApp, type TestApp } from "../support/local-dynamo";
import { countBatchGets } from "../support/count-calls";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("ItemStore on dynalite", () => {
  it("reads 250 items in three BatchGetItem calls, in key order, with null for missing ones", async () => {
    const items = Array.from({ length: 240 }, (_, i) => ({
      itemId: `it-${i}`,
      title: `T${i}`,
      category: i % 2 ? "odd" : "even",
    }));
    await t.app.stores.items.putMany(items);
    const calls = countBatchGets(t.app.db);
    const ids = [
      ...Array.from({ length: 240 }, (_, i) => `it-${239 - i}`),
      ...Array.from({ length: 10 }, (_, i) => `missing-${i}`),
    ];
    const got = await t.app.stores.items.getMany(ids);
    expect(calls).toEqual([100, 100, 50]);
    expect(got.slice(0, 240).map((i) => i?.itemId)).toEqual(ids.slice(0, 240));
    expect(got.slice(240)).toEqual(Array(10).fill(undefined));
    expect((await t.app.stores.items.categories()).get("it-3")).toBe("odd");
  });

  it("retries UnprocessedKeys until every key is read", async () => {
    // A client that reports half of each request as unprocessed the first time round.
    let first = true;
    const db = t.app.db;
    const flaky = {
      send: async (command: BatchGetCommand) => {
        const out = await db.send(command);
        if (!first) return out;
        first = false;
        const table = Object.keys(command.input.RequestItems!)[0]!;
        const keys = command.input.RequestItems![table]!.Keys!;
        const kept = new Set(keys.slice(0, 5).map((k) => k.itemId));
        return {
          ...out,
          Responses: { [table]: out.Responses![table]!.filter((r) => kept.has(r.itemId)) },
          UnprocessedKeys: { [table]: { Keys: keys.slice(5) } },
        };
      },
    } as unknown as DynamoDBDocumentClient;
    const ids = Array.from({ length: 12 }, (_, i) => `it-${i}`);
    const got = await batchGetByKey(flaky, t.config.dynamo.tables.items, "itemId", ids);
    expect(got.map((i) => i?.itemId)).toEqual(ids);
  });
});

describe("UserStore on dynalite", () => {
  it("keeps every interaction when updates for one user race", async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.app.stores.users.update("racer", (s) => {
          s.interactions[`item-${i}`] = [1, i];
        }),
      ),
    );
    const state = await t.app.stores.users.get("racer");
    expect(Object.keys(state!.interactions).sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `item-${i}`).sort(),
    );
    expect(state!.version).toBe(8);
  });

  it("reads a row written before states were packed, and packs it on the next update", async () => {
    const table = t.config.dynamo.tables.users;
    await t.app.db.send(
      new PutCommand({
        TableName: table,
        Item: {
          userId: "legacy",
          interactions: { old: [3, 5_000] },
          vector: [0.5, 0.25],
          vectorModel: "v1",
          version: 1,
          updatedAt: 1,
        },
      }),
    );
    expect(await t.app.stores.users.get("legacy")).toMatchObject({
      interactions: { old: [3, 5_000] },
      vector: [0.5, 0.25],
    });
    await t.app.stores.users.update("legacy", (s) => void (s.interactions.new = [1, 9_000]));
    const row = (await t.app.db.send(new GetCommand({ TableName: table, Key: { userId: "legacy" } }))).Item!;
    expect(row.interactions).toBeInstanceOf(Uint8Array);
    expect(row.vector).toBeInstanceOf(Uint8Array);
    expect(await t.app.stores.users.get("legacy")).toMatchObject({
      interactions: { old: [3, 5_000], new: [1, 9_000] },
      vector: [0.5, 0.25],
      version: 2,
    });
  });
});

describe("EventStore on dynalite", () => {
  it("stores events once, lists a user's events newest first and filters expired ones on read", async () => {
    const base = { userId: "ev-user", itemId: "i1", type: "VIEW" as const, weight: 1 };
    const second = { ...base, eventId: "e2", timestamp: Date.now() };
    await t.app.stores.events.put({ ...base, eventId: "e1", timestamp: Date.now() - 60_000 });
    expect(await t.app.stores.events.put(second)).toBe(true);
    expect(await t.app.stores.events.put(second)).toBe(false); // already stored: not a second copy
    const listed = await t.app.stores.events.forUser("ev-user");
    expect(listed.map((e) => e.eventId)).toEqual(["e2", "e1"]);
    const far = Date.now() + 400 * 86_400_000; // beyond EVENT_TTL_DAYS (365)
    expect((await t.app.stores.events.all(far)).filter((e) => e.userId === "ev-user")).toEqual([]);
  });
});

describe("PopularityStore on dynalite", () => {
  it("ranks by time-decayed weight: a recent view can outrank an old purchase", async () => {
    const now = Date.now();
    const halfLife = t.config.popular.halfLifeDays * 86_400_000;
    await t.app.stores.popularity.addMany([
      { itemId: "old-purchase", category: "c", weight: 5, timestamp: now - 4 * halfLife },
    ]); // 5 / 16
    await t.app.stores.popularity.addMany([
      { itemId: "fresh-view", category: "c", weight: 1, timestamp: now },
    ]);
    await t.app.stores.popularity.addMany([
      { itemId: "fresh-view", category: "c", weight: 1, timestamp: now },
    ]);
    const ranking = await t.app.stores.popularity.ranking();
    expect(ranking.map((e) => e.itemId)).toEqual(["fresh-view", "old-purchase"]);
    expect(ranking[0]!.score / ranking[1]!.score).toBeCloseTo(2 / (5 / 16), 5);
  });

  it("keeps ranking across an era boundary (previous era scaled to the current start)", async () => {
    const halfLife = t.config.popular.halfLifeDays * 86_400_000;
    const era = 16 * halfLife;
    const boundary = Math.ceil(Date.now() / era) * era; // the next era starts here
    await t.app.stores.popularity.addMany([
      { itemId: "before-boundary", category: "e", weight: 2, timestamp: boundary - halfLife },
    ]);
    await t.app.stores.popularity.addMany([
      { itemId: "after-boundary", category: "e", weight: 1, timestamp: boundary + halfLife },
    ]);
    const ranking = (await t.app.stores.popularity.ranking(boundary + 2 * halfLife)).filter(
      (e) => e.category === "e",
    );
    // Two half-lives apart: weight 1 after the boundary counts 4x, so it is twice weight 2 before it.
    expect(ranking.map((e) => e.itemId)).toEqual(["after-boundary", "before-boundary"]);
    expect(ranking[0]!.score / ranking[1]!.score).toBeCloseTo(2, 6);
  });

  it("writes no counter for history older than the eras a ranking reads", async () => {
    const halfLife = t.config.popular.halfLifeDays * 86_400_000;
    const era = 16 * halfLife;
    const now = Date.now();
    const start = Math.floor(now / era) * era; // the current era's start
    await t.app.stores.popularity.addMany(
      [
        { itemId: "ancient", category: "h", weight: 5, timestamp: start - 2 * era - halfLife },
        { itemId: "last-era", category: "h", weight: 1, timestamp: start - halfLife },
      ],
      now,
    );
    // A ranking in the ancient event's own time would read its era: it was never stored.
    const byCategory = (entries: { category?: string; itemId: string }[]) =>
      entries.filter((e) => e.category === "h").map((e) => e.itemId);
    expect(byCategory(await t.app.stores.popularity.ranking(now))).toEqual(["last-era"]);
    expect(byCategory(await t.app.stores.popularity.ranking(start - 2 * era + halfLife))).toEqual([]);
  });

  it("spreads an era's counters over shard keys, and still counts the unsharded key of older releases", async () => {
    const halfLife = t.config.popular.halfLifeDays * 86_400_000;
    const now = Date.now();
    const era = Math.floor(now / (16 * halfLife));
    const items = Array.from({ length: 40 }, (_, i) => `spread-${i}`);
    await t.app.stores.popularity.addMany(
      items.map((itemId) => ({ itemId, category: "s", weight: 1, timestamp: now })),
      now,
    );
    // A counter written before sharding, for an item that now also has a sharded one.
    await t.app.db.send(
      new PutCommand({
        TableName: t.config.dynamo.tables.stats,
        Item: { pk: `popular#${era}`, sk: "spread-0", category: "s", score: 1000 },
      }),
    );
    const keys = new Set<string>();
    for (const shard of Array.from({ length: POPULARITY_SHARDS }, (_, i) => `popular#${era}#${i}`)) {
      const out = await t.app.db.send(
        new QueryCommand({
          TableName: t.config.dynamo.tables.stats,
          KeyConditionExpression: "pk = :p",
          ExpressionAttributeValues: { ":p": shard },
        }),
      );
      if (out.Items!.some((row) => String(row.sk).startsWith("spread-"))) keys.add(shard);
    }
    expect(keys.size).toBeGreaterThan(POPULARITY_SHARDS / 2);
    const ranking = (await t.app.stores.popularity.ranking(now)).filter((e) => e.category === "s");
    expect(ranking).toHaveLength(40);
    expect(ranking[0]!.itemId).toBe("spread-0");
    expect(ranking[0]!.score).toBeGreaterThan(1000);
  });
});
