import { afterAll, describe, expect, it } from "vitest";
import { interactionMatrix } from "../../src/factors/sparse";
import { trainModels } from "../../src/jobs/train";
import { plantedInteractions } from "../unit/factors/planted-data";
import { createTestApp, type TestApp } from "../support/local-dynamo";

const apps: TestApp[] = [];
afterAll(() => Promise.all(apps.map((t) => t.close())));

describe("the vector stored with a user's state", () => {
  it("is the fold-in of the family that serves them; EASE's, wider than a user's state should carry, is folded in per request instead, and a stale vector is dropped", async () => {
    const test = await createTestApp({ RECS_AB: "NMF:50,EASE:50" });
    apps.push(test);
    const { app } = test;
    // 600 users and 600 items: an EASE model as wide as the items drawn (570).
    const matrix = interactionMatrix(
      plantedInteractions({ users: 600, items: 600, perUser: 6, topics: 4, seed: 3 }),
    );
    await trainModels(app, { families: ["NMF", "EASE"], force: true, matrix, print: () => {} });
    await app.loadModels();
    const nmf = app.factorModels.NMF.holder.current()!;
    const ease = app.factorModels.EASE.holder.current()!;
    expect(ease.components).toBeGreaterThan(512);
    const userOf = (strategy: string) =>
      Array.from({ length: 100 }, (_, i) => `vector-user-${i}`).find(
        (id) => app.router.assigned(id) === strategy,
      )!;
    const [nmfUser, easeUser] = [userOf("NMF"), userOf("EASE")];

    await app.events.record({ userId: nmfUser, itemId: "i1", type: "VIEW" });
    const nmfState = (await app.stores.users.get(nmfUser))!;
    expect(nmfState.vectorModel).toBe(nmf.version);
    expect(nmfState.vector).toEqual(Array.from(nmf.foldIn(new Map([["i1", 1]]))!));

    // A vector left from before (another family's, say): the next event must not keep it.
    await app.stores.users.update(easeUser, (s) => {
      s.vector = nmfState.vector;
      s.vectorModel = nmf.version;
    });
    await app.events.record({ userId: easeUser, itemId: "i2", type: "PURCHASE" });
    await app.events.record({ userId: easeUser, itemId: "i7", type: "VIEW" });
    const easeState = (await app.stores.users.get(easeUser))!;
    expect(easeState.vector).toBeUndefined();
    expect(easeState.vectorModel).toBeUndefined();
    expect(Object.keys(easeState.interactions).sort()).toEqual(["i2", "i7"]);

    // The EASE user's list is still personal: folded in from both events at request time.
    const served = await app.recommendations.recommendations(easeUser, { k: 5 });
    expect(served).toMatchObject({ strategy: "EASE", modelVersion: ease.version });
    const seen = new Set(["i2", "i7"]);
    const expected = ease.recommend(
      ease.foldIn(
        new Map([
          ["i2", 5],
          ["i7", 1],
        ]),
      )!,
      5,
      { exclude: seen },
    );
    expect(served.items.map((i) => i.itemId)).toEqual(expected.map((i) => i.itemId));
  });
});
