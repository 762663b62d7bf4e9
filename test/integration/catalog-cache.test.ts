import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createContext } from "../../src/graphql/context";
import { createApolloServer } from "../../src/server";
import { CachingItemStore } from "../../src/store/cached-items.store";
import { ItemStore } from "../../src/store/items.store";
import { ItemCategories } from "../../src/store/item-categories";
import { createDocumentClient } from "../../src/store/dynamo";
import { countBatchGets } from "../support/count-calls";
import { createTestApp, type TestApp } from "../support/local-dynamo";

let test: TestApp;
let clock = 0;
let direct: ItemStore;
let cached: CachingItemStore;

beforeAll(async () => {
  test = await createTestApp();
  const table = test.config.dynamo.tables.items;
  direct = new ItemStore(test.app.db, table);
  cached = new CachingItemStore(test.app.db, table, { ttlSeconds: 60, maxEntries: 3, now: () => clock });
  await direct.putMany([
    { itemId: "a", title: "A1" },
    { itemId: "b", title: "B1" },
  ]);
});
afterAll(() => test?.close());

describe("CachingItemStore", () => {
  it("serves items from memory until the TTL passes, missing ones included", async () => {
    expect(await cached.getMany(["a", "b", "zzz", "a"])).toEqual([
      { itemId: "a", title: "A1" },
      { itemId: "b", title: "B1" },
      undefined,
      { itemId: "a", title: "A1" },
    ]);
    await direct.putMany([
      { itemId: "a", title: "A2" },
      { itemId: "zzz", title: "Z" },
    ]); // behind the cache's back
    expect((await cached.getMany(["a", "zzz"])).map((i) => i?.title)).toEqual(["A1", undefined]);
    // Read without waiting only when every id is cached: a cached absence counts, an unread id does not.
    expect(cached.cachedMany(["zzz", "a"])?.map((i) => i?.title)).toEqual([undefined, "A1"]);
    expect(cached.cachedMany(["a", "never-read"])).toBeUndefined();
    clock += 60_001;
    expect(cached.cachedMany(["a"])).toBeUndefined(); // expired
    expect((await cached.getMany(["a", "zzz"])).map((i) => i?.title)).toEqual(["A2", "Z"]);
  });

  it("drops what it writes itself, and evicts the oldest entry beyond maxEntries", async () => {
    await cached.putMany([{ itemId: "b", title: "B2" }]);
    expect((await cached.getMany(["b"]))[0]?.title).toBe("B2");
    await direct.putMany([{ itemId: "a", title: "A3" }]);
    await cached.getMany(["c"]); // a, zzz, b cached -> "a" (oldest) is evicted for "c"
    expect((await cached.getMany(["a"]))[0]?.title).toBe("A3");
  });

  it("reads through when the TTL is 0", async () => {
    const uncached = new CachingItemStore(test.app.db, test.config.dynamo.tables.items, { ttlSeconds: 0 });
    await uncached.getMany(["b"]);
    await direct.putMany([{ itemId: "b", title: "B3" }]);
    expect((await uncached.getMany(["b"]))[0]?.title).toBe("B3");
    expect(uncached.cachedMany(["b"])).toBeUndefined(); // nothing is kept, so nothing is served unread
  });
});

describe("ItemCategories", () => {
  it("answers the lookups of one tick with BatchGetItem calls of at most 100 keys, never a scan", async () => {
    const table = test.config.dynamo.tables.items;
    const items = Array.from({ length: 150 }, (_, i) => ({ itemId: `cat-${i}`, category: `c${i % 3}` }));
    await direct.putMany(items);
    const db = createDocumentClient({
      region: test.config.aws.region,
      endpoint: test.config.dynamo.endpoint,
    });
    const batches = countBatchGets(db);
    const categories = new ItemCategories(new CachingItemStore(db, table, { ttlSeconds: 60 }));
    const ids = [...items.map((i) => i.itemId), "not-in-catalog"];
    expect(await Promise.all(ids.map((id) => categories.categoryOf(id)))).toEqual([
      ...items.map((i) => i.category),
      undefined,
    ]);
    expect(batches).toEqual([100, 51]);
    await categories.categoryOf("cat-7"); // cached by the item store
    expect(batches).toHaveLength(2);
    db.destroy();
  });
});

describe("a request's catalog reads", () => {
  it("reads a list's items with one getMany, then from the cache alone; a failed read is an error on each item field only", async () => {
    await test.app.events.record({ userId: "cat-u1", itemId: "a", type: "VIEW" });
    await test.app.events.record({ userId: "cat-u2", itemId: "b", type: "PURCHASE" });
    const apollo = createApolloServer(test.config);
    await apollo.start();
    // Each app below has a catalog cache of its own, empty at first (the shared one has seen a and b).
    const withColdCache = () => {
      const items = new CachingItemStore(test.app.db, test.config.dynamo.tables.items, { ttlSeconds: 60 });
      return {
        app: { ...test.app, stores: { ...test.app.stores, items } },
        reads: vi.spyOn(items, "getMany"),
      };
    };
    const query = async (app: typeof test.app) => {
      const response = await apollo.executeOperation(
        { query: '{ popularItems(k: 2) { items { itemId item { id } } } one: item(id: "a") { id } }' },
        { contextValue: createContext(app, "req-catalog") },
      );
      return response.body.kind === "single" ? response.body.singleResult : undefined;
    };
    const cold = withColdCache();
    const ok = await query(cold.app);
    expect(ok?.errors).toBeUndefined();
    const found = {
      popularItems: {
        items: [
          { itemId: "b", item: { id: "b" } },
          { itemId: "a", item: { id: "a" } },
        ],
      },
      one: { id: "a" },
    };
    expect(ok?.data).toEqual(found);
    expect(cold.reads.mock.calls).toContainEqual([["b", "a"]]); // the list's items: one read
    const readsBefore = cold.reads.mock.calls.length;
    expect((await query(cold.app))?.data).toEqual(found);
    // The list came from the cache without the loader; only the item lookup went through getMany.
    expect(cold.reads.mock.calls.slice(readsBefore)).toEqual([[["a"]]]);

    const failing = withColdCache();
    failing.reads.mockRejectedValue(new Error("catalog down"));
    const failed = await query(failing.app);
    expect(failed?.data).toEqual({
      popularItems: {
        items: [
          { itemId: "b", item: null },
          { itemId: "a", item: null },
        ],
      },
      one: null,
    });
    expect(failed?.errors?.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        ["popularItems", "items", 0, "item"],
        ["popularItems", "items", 1, "item"],
        ["one"],
      ]),
    );
    await apollo.stop();
  });
});
