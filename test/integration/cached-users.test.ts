import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CachingUserStore } from "../../src/store/cached-users.store";
import { UserStore } from "../../src/store/users.store";
import { createTestApp, type TestApp } from "../support/local-dynamo";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("CachingUserStore", () => {
  it("serves its own writes from memory and still resolves write conflicts against the table", async () => {
    const table = t.config.dynamo.tables.users;
    const cached = new CachingUserStore(t.app.db, table, 60);
    const other = new UserStore(t.app.db, table); // another writer the cache cannot see
    await cached.update("u1", (s) => void (s.interactions.a = [1, 1]));
    await other.update("u1", (s) => void (s.interactions.b = [1, 2]));

    // The cache still answers with what this process wrote: the reason it needs a single writer.
    expect(Object.keys((await cached.get("u1"))!.interactions)).toEqual(["a"]);

    // An update from the stale cached state conflicts, re-reads the table, and keeps both items.
    const merged = await cached.update("u1", (s) => void (s.interactions.c = [1, 3]));
    expect(Object.keys(merged.interactions).sort()).toEqual(["a", "b", "c"]);
    expect(Object.keys((await cached.get("u1"))!.interactions).sort()).toEqual(["a", "b", "c"]);
  });

  it("reads through when the cache is off", async () => {
    const table = t.config.dynamo.tables.users;
    const uncached = new CachingUserStore(t.app.db, table, 0);
    await new UserStore(t.app.db, table).update("u2", (s) => void (s.interactions.x = [2, 1_000]));
    expect((await uncached.get("u2"))!.interactions.x).toEqual([2, 1_000]);
  });
});
