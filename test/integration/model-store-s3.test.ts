import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createModelStore, ModelHolder, type ModelStore } from "../../src/factors/store";
import { interactionMatrix } from "../../src/factors/sparse";
import { nmf, trainNmf } from "../../src/nmf/train";
import { startLocalS3, type LocalS3 } from "../support/local-s3";
import { plantedInteractions } from "../unit/factors/planted-data";

const data = plantedInteractions({ users: 60, items: 40, perUser: 8, topics: 3, seed: 41 });
const train = (minute: number): ReturnType<typeof trainNmf> =>
  trainNmf(
    interactionMatrix(data),
    { components: 4, iterations: 10, l2: 0.05, l1: 0, seed: minute },
    { now: new Date(Date.UTC(2025, 0, 1, 0, minute)) },
  );

describe("S3 model store through the real S3 client against s3rver", () => {
  let local: LocalS3;
  let store: ModelStore;

  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    // s3rver checks signatures against its one fixed key pair.
    process.env.AWS_ACCESS_KEY_ID = "S3RVER";
    process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
    local = await startLocalS3();
    store = createModelStore("s3://models/recs/nmf", nmf, {
      region: "us-east-1",
      s3Endpoint: local.endpoint,
    });
  });

  afterAll(async () => {
    await local.close();
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  });

  it("round-trips, promotes, prunes and serves through the holder", async () => {
    expect(store.location).toBe("s3://models/recs/nmf");
    expect(await store.latestVersion()).toBeUndefined();
    const models = [train(1), train(2), train(3)];
    for (const m of models) await store.save(m);
    await store.promote(models[1]!.version);

    const loaded = await store.loadLatest();
    expect(loaded!.manifest).toEqual(models[1]!.manifest);
    expect(loaded!.arrays).toEqual(models[1]!.arrays);

    expect(await store.prune(1)).toEqual([models[0]!.version]);
    expect(await store.versions()).toEqual([models[2]!.version, models[1]!.version]);
    await expect(store.load(models[0]!.version)).rejects.toThrow(/not found/);

    const holder = new ModelHolder(store, 60);
    expect((await holder.load())!.version).toBe(models[1]!.version);
  });
});
