import { afterAll, describe, expect, it } from "vitest";
import { interactionMatrix } from "../../src/factors/sparse";
import { trainModels } from "../../src/jobs/train";
import { plantedInteractions } from "../unit/factors/planted-data";
import { createTestApp, type TestApp } from "../support/local-dynamo";

const apps: TestApp[] = [];
afterAll(() => Promise.all(apps.map((t) => t.close())));

describe("loading models at start", () => {
  it("loads the model of every family the router can use, and only those", async () => {
    const trainer = await createTestApp();
    apps.push(trainer);
    const matrix = interactionMatrix(
      plantedInteractions({ users: 80, items: 60, perUser: 8, topics: 4, seed: 3 }),
    );
    await trainModels(trainer.app, {
      families: ["NMF", "ALS", "EASE"],
      force: true,
      matrix,
      print: () => {},
    });
    const shared = { MODEL_URI: trainer.config.model.uri };

    const routedToAls = await createTestApp({ ...shared, RECS_STRATEGY: "ALS" });
    const testingEase = await createTestApp({ ...shared, RECS_AB: "NMF:50,EASE:50" });
    const byDefault = await createTestApp(shared);
    apps.push(routedToAls, testingEase, byDefault);
    await Promise.all([routedToAls, testingEase, byDefault].map((t) => t.app.loadModels()));

    const ready = (t: TestApp) =>
      Object.entries(t.app.factorModels)
        .filter(([, models]) => models.holder.status().ready)
        .map(([family]) => family);
    expect(ready(routedToAls)).toEqual(["NMF", "ALS"]);
    expect(ready(testingEase)).toEqual(["NMF", "EASE"]);
    expect(ready(byDefault)).toEqual(["NMF"]);
  });
});
