import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { decide } from "../../../src/factors/gate";
import { trainThroughGate } from "../../../src/jobs/gated-training";
import { interactionMatrix } from "../../../src/factors/sparse";
import { nmf } from "../../../src/nmf/train";
import { createModelStore } from "../../../src/factors/store";
import { ease } from "../../../src/ease/train";
import type { EaseParams } from "../../../src/ease/types";
import type { NmfParams } from "../../../src/nmf/types";
import { plantedInteractions } from "./planted-data";

const data = interactionMatrix(
  plantedInteractions({ users: 300, items: 150, perUser: 15, topics: 6, seed: 21, noise: 0.1 }),
);
const good: NmfParams = { components: 6, iterations: 60, l2: 0.05, l1: 0, seed: 42 };
/** One factor and one epoch: clearly worse than the good model, about popularity at best. */
const poor: NmfParams = { components: 1, iterations: 1, l2: 0.05, l1: 0, seed: 42 };
const dirs: string[] = [];

function tempStore(): ReturnType<typeof createModelStore> {
  const dir = mkdtempSync(path.join(tmpdir(), "nmf-gate-"));
  dirs.push(dir);
  return createModelStore(dir, nmf);
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("decide", () => {
  const options = { allowedNdcgDrop: 0.02, force: false };
  it("promotes a candidate above popularity and within allowedNdcgDrop of latest", () => {
    expect(decide(0.3, 0.2, "v1", 0.31, options).promoted).toBe(true);
    expect(decide(0.3, 0.2, undefined, undefined, options).promoted).toBe(true);
  });
  it("refuses below popularity or more than the allowedNdcgDrop below latest; force overrides", () => {
    expect(decide(0.19, 0.2, undefined, undefined, options)).toMatchObject({
      promoted: false,
      reason: expect.stringMatching(/popularity/),
    });
    expect(decide(0.3, 0.2, "v1", 0.33, options)).toMatchObject({
      promoted: false,
      reason: expect.stringMatching(/latest/),
    });
    expect(decide(0.3, 0.2, "v1", 0.33, { ...options, force: true })).toMatchObject({
      promoted: true,
      forced: true,
    });
  });
});

describe("trainThroughGate", () => {
  it("promotes a first good model, records figures in its manifest and prunes", async () => {
    const store = tempStore();
    const lines: string[] = [];
    const first = await trainThroughGate(data, store, {
      params: good,
      allowedNdcgDrop: 0.02,
      force: false,
      keep: 1,
      log: (l) => lines.push(l),
    });
    expect(first.promoted).toBe(true);
    expect(first.figures.candidateNdcg).toBeGreaterThan(first.figures.popularityNdcg);
    expect(await store.latestVersion()).toBe(first.version);
    const saved = await store.load(first.version);
    expect(saved.manifest.gate).toEqual(first.decision);
    expect(saved.manifest.metrics?.candidate.ndcg).toBe(first.figures.candidateNdcg);
    expect(lines.join("\n")).toMatch(/promote/);

    // Same data again: within allowedNdcgDrop of the latest, promoted, and the older version pruned.
    const second = await trainThroughGate(data, store, {
      params: good,
      allowedNdcgDrop: 0.02,
      force: false,
      keep: 1,
    });
    expect(second.metrics.latest).toBeDefined();
    expect(second.promoted).toBe(true);
    expect(second.pruned).toEqual([first.version]);
    expect(await store.versions()).toEqual([second.version]);
  });

  it("refuses a worse model against a good latest, leaving latest unchanged; force overrides", async () => {
    const store = tempStore();
    const base = await trainThroughGate(data, store, {
      params: good,
      allowedNdcgDrop: 0.02,
      force: false,
      keep: 5,
    });
    const refused = await trainThroughGate(data, store, {
      params: poor,
      allowedNdcgDrop: 0.02,
      force: false,
      keep: 5,
    });
    expect(refused.promoted).toBe(false);
    expect(refused.figures.candidateNdcg).toBeLessThan(refused.figures.latestNdcg! - 0.02);
    expect(await store.latestVersion()).toBe(base.version);
    expect((await store.load(refused.version)).manifest.gate?.promoted).toBe(false);

    const forced = await trainThroughGate(data, store, {
      params: poor,
      allowedNdcgDrop: 0.02,
      force: true,
      keep: 5,
    });
    expect(forced.promoted).toBe(true);
    expect(forced.decision.forced).toBe(true);
    expect(await store.latestVersion()).toBe(forced.version);
  });

  it("judges settings recs tune found on another split than the one the search chose them on", async () => {
    const run = async (splitSeed?: number) => {
      const lines: string[] = [];
      const tuned = { params: good, ndcg: 0.5, splitSeed, trials: 3, tunedAt: "2026-12-01T00:00:00.000Z" };
      const report = await trainThroughGate(data, tempStore(), {
        params: good,
        tuned: splitSeed === undefined ? undefined : tuned,
        allowedNdcgDrop: 0.02,
        force: false,
        keep: 1,
        log: (l) => lines.push(l),
      });
      return {
        ndcg: report.figures.candidateNdcg,
        split: lines.find((l) => l.startsWith("validation split"))!,
      };
    };
    const untuned = await run();
    expect(untuned.split).toMatch(/^validation split \(seed 42\)/);
    // Tuned on the model seed's split: the gate moves to the next seed, and so to other figures.
    const sameSplit = await run(42);
    expect(sameSplit.split).toMatch(/^validation split \(seed 43\)/);
    expect(sameSplit.ndcg).not.toBe(untuned.ndcg);
    // Tuned on another split: the model seed's split is already another one.
    expect((await run(7)).split).toMatch(/^validation split \(seed 42\)/);
  });

  it("splits EASE's data, which has no seed setting, with seed 0", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ease-gate-"));
    dirs.push(dir);
    const lines: string[] = [];
    // EASE's configured settings are its λ alone (configuredParams reads the family's paramNames).
    const params = { regularization: 100 } as unknown as EaseParams;
    await trainThroughGate(data, createModelStore(dir, ease), {
      params,
      allowedNdcgDrop: 0.02,
      force: false,
      keep: 1,
      log: (l) => lines.push(l),
    });
    expect(lines.find((l) => l.startsWith("validation split"))).toMatch(/^validation split \(seed 0\)/);
  });
});
