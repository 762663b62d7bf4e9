import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createModelStore, ModelHolder, ModelLoadError, type ModelStore } from "../../../src/factors/store";
import { interactionMatrix } from "../../../src/factors/sparse";
import { nmf, trainNmf } from "../../../src/nmf/train";
import { plantedCategories, plantedInteractions } from "./planted-data";

const spec = { users: 60, items: 40, perUser: 8, topics: 3, seed: 31 };
const data = plantedInteractions(spec);
const train = (minute: number): ReturnType<typeof trainNmf> =>
  trainNmf(
    interactionMatrix(data),
    { components: 4, iterations: 10, l2: 0.05, l1: 0, seed: minute },
    {
      itemCategories: plantedCategories(spec),
      now: new Date(Date.UTC(2025, 0, 1, 0, minute)),
    },
  );

let dir: string;
let store: ModelStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "nmf-store-"));
  store = createModelStore(dir, nmf);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("local model store", () => {
  it("round-trips a model: manifest, factors and categories", async () => {
    const model = train(1);
    await store.save(model);
    expect(readdirSync(path.join(dir, model.version)).sort()).toEqual([
      "item-factors.f32",
      "manifest.json",
      "user-factors.f32",
    ]);
    const loaded = await store.load(model.version);
    expect(loaded.manifest).toEqual(model.manifest);
    expect(loaded.arrays).toEqual(model.arrays);
    const vector = model.userVector("u1")!;
    const filter = { exclude: new Set<string>(), category: "c1" };
    expect(loaded.recommend(vector, 5, filter)).toEqual(model.recommend(vector, 5, filter));
    expect(loaded.related("i1", 5, filter)).toEqual(model.related("i1", 5, filter));
  });

  it("points latest only at promoted complete versions and prunes to the newest N, keeping latest", async () => {
    expect(await store.latestVersion()).toBeUndefined();
    expect(await store.loadLatest()).toBeUndefined();
    const models = [train(1), train(2), train(3), train(4)];
    for (const m of models) await store.save(m);
    await expect(store.promote("missing")).rejects.toThrow(ModelLoadError);
    await store.promote(models[0]!.version);
    expect((await store.loadLatest())!.version).toBe(models[0]!.version);
    const removed = await store.prune(2);
    expect(removed).toEqual([models[1]!.version]);
    expect(await store.versions()).toEqual([models[3]!.version, models[2]!.version, models[0]!.version]);
  });

  it("lists the versions' manifests newest first, without id maps, marking latest and skipping incomplete ones", async () => {
    const models = [train(1), train(2)];
    for (const m of models) await store.save(m);
    await store.promote(models[0]!.version);
    // A version whose manifest was never written (a save that died half-way).
    const broken = path.join(dir, "20991231T000000000Z-broken");
    mkdirSync(broken);
    const history = await store.history();
    expect(history.map((h) => [h.version, h.latest])).toEqual([
      [models[1]!.version, false],
      [models[0]!.version, true],
    ]);
    expect(history[0]!.training).toEqual(models[1]!.manifest.training);
    expect(history[0]).not.toHaveProperty("userIds");
    expect(history[0]).not.toHaveProperty("itemIds");
  });

  it("fails with a clear error on a missing, corrupt or incomplete artifact", async () => {
    const model = train(1);
    await store.save(model);
    await expect(store.load("nope")).rejects.toThrow(/model nope not found/);
    const file = path.join(dir, model.version, "item-factors.f32");
    const bytes = readFileSync(file);
    bytes[0] = bytes[0]! ^ 0xff;
    writeFileSync(file, bytes);
    await expect(store.load(model.version)).rejects.toThrow(/item-factors.f32 is corrupt/);
    rmSync(file);
    await expect(store.load(model.version)).rejects.toThrow(/item-factors.f32 is missing/);
    writeFileSync(path.join(dir, model.version, "manifest.json"), "{ not json");
    await expect(store.load(model.version)).rejects.toThrow(/manifest is not valid JSON/);
    writeFileSync(path.join(dir, "latest"), "garbage");
    await expect(store.latestVersion()).rejects.toThrow(/latest pointer .* is corrupt/);
  });

  it("loads a model saved with precomputed neighbour lists, without reading them", async () => {
    const model = train(1);
    await store.save(model);
    // The format before related items were scored on demand: two more listed files, one more field.
    const manifestFile = path.join(dir, model.version, "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { files: unknown[] };
    manifest.files.push({ name: "neighbour-ids.i32", bytes: 8, sha256: "0".repeat(64) });
    writeFileSync(manifestFile, JSON.stringify({ ...manifest, neighboursPerItem: 50 }));
    const loaded = await store.load(model.version);
    expect(loaded.manifest).toEqual(model.manifest);
    const filter = { exclude: new Set<string>() };
    expect(loaded.related("i1", 5, filter)).toEqual(model.related("i1", 5, filter));
  });
});

describe("ModelHolder", () => {
  it("loads lazily, refreshes in the background at most every refreshSeconds, keeps the last good model", async () => {
    let now = 0;
    const holder = new ModelHolder(store, 60, undefined, () => now);
    expect(holder.status()).toEqual({ ready: false, modelVersion: undefined, error: undefined });
    expect(await holder.load()).toBeUndefined();

    const first = train(1);
    await store.save(first);
    await store.promote(first.version);
    expect(holder.current()).toBeUndefined(); // checked at t=0 already: not due yet
    now = 60_000;
    expect(await holder.load()).toBe(await holder.refresh());
    expect(holder.current()!.version).toBe(first.version);
    expect(holder.status()).toEqual({ ready: true, modelVersion: first.version, error: undefined });

    // A newer latest: the request that finds a check due still gets the current model at once.
    const second = train(2);
    await store.save(second);
    await store.promote(second.version);
    now = 120_000;
    expect(holder.current()!.version).toBe(first.version);
    await holder.refresh();
    expect(holder.current()!.version).toBe(second.version);

    // A corrupt newer latest: reported in status, the previous model keeps serving.
    const third = train(3);
    await store.save(third);
    rmSync(path.join(dir, third.version, "user-factors.f32"));
    await store.promote(third.version);
    now = 180_000;
    expect(holder.current()!.version).toBe(second.version);
    await holder.refresh();
    expect(holder.current()!.version).toBe(second.version);
    expect(holder.status()).toMatchObject({
      ready: true,
      modelVersion: second.version,
      error: expect.stringMatching(/missing/),
    });
  });

  it("shares one load between concurrent callers", async () => {
    const model = train(1);
    await store.save(model);
    await store.promote(model.version);
    const holder = new ModelHolder(store, 60);
    const [a, b] = await Promise.all([holder.load(), holder.load()]);
    expect(a).toBe(b);
    expect(a!.version).toBe(model.version);
  });
});
