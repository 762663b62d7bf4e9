import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importEvents } from "../../src/jobs/import-events";
import { createTestApp, type TestApp } from "../support/local-dynamo";

const KEY = "import-hmac-key";
const pseudonym = (userId: string) => createHmac("sha256", KEY).update(userId).digest("base64url");

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ USER_ID_HMAC_KEY: KEY });
});
afterAll(() => t.close());

describe("imported events with USER_ID_HMAC_KEY", () => {
  it("are stored under the pseudonym, where the API finds them", async () => {
    const now = Date.now();
    await importEvents(t.app, [
      [
        { userId: "carol", itemId: "i-1", type: "PURCHASE", weight: 5, timestamp: now },
        { userId: "dave", itemId: "i-2", type: "VIEW", weight: 1, timestamp: now },
      ],
    ]);
    expect(await t.app.stores.users.get("carol")).toBeUndefined();
    expect(Object.keys((await t.app.stores.users.get(pseudonym("carol")))!.interactions)).toEqual(["i-1"]);
    expect((await t.app.stores.events.forUser(pseudonym("carol"))).map((e) => e.itemId)).toEqual(["i-1"]);

    // The API pseudonymises "carol" the same way: her purchase counts as seen.
    const list = await t.app.recommendations.recommendations("carol", { k: 5, strategy: "POPULAR" });
    expect(list.items.map((i) => i.itemId)).toEqual(["i-2"]);
  });
});
