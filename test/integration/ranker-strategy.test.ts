import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FeatureStore } from "../../src/ranker/features/feature.store";
import { runFeatureJob } from "../../src/ranker/features/job";
import { buildFeatureSpec } from "../../src/ranker/features/spec";
import type { ValidEvent } from "../../src/events/event.validation";
import { importEvents } from "../../src/jobs/import-events";
import { startLocalEndpoint, type LocalEndpoint } from "../../tools/local-sagemaker-endpoint";
import { createTestApp, type TestApp } from "../support/local-dynamo";
import { startStubServer, type StubReply, type StubServer } from "../support/stub-http-server";
import { countBatchGets } from "../support/count-calls";
import { xgbModelJson } from "../support/random-xgb-model";

const ITEMS = 300;
const DAY = 86_400_000;
const FEATURES = buildFeatureSpec([], undefined, 0).features;

/** Two stumps: the user's interest in the item's category, then the item's popularity (missing goes left). */
function modelJson(featureCount = FEATURES.length): object {
  const stump = (feature: string, threshold: number, left: number, right: number) => ({
    left_children: [1, -1, -1],
    right_children: [2, -1, -1],
    split_indices: [FEATURES.indexOf(feature), 0, 0],
    split_conditions: [threshold, left, right],
    default_left: [1, 0, 0],
    split_type: [0, 0, 0],
  });
  return xgbModelJson(featureCount, [
    stump("ui_category_share", 0.3, -1, 1),
    stump("i_distinct_users", 1.5, -0.5, 0.5),
  ]);
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sagemaker-strategy-"));
function writeModel(name: string, json: object): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(json));
  return file;
}
const modelPath = writeModel("model.json", modelJson());

/** 300 items in 3 categories; each viewed by one of 10 users; u0 buys 0..9 and u1 views more of category 1. */
function demoEvents(now: number): ValidEvent[] {
  const events: ValidEvent[] = [];
  for (let i = 0; i < ITEMS; i++) {
    events.push({
      userId: `u${i % 10}`,
      itemId: `item-${i}`,
      type: "VIEW",
      weight: 1,
      timestamp: now - (i % 20) * DAY,
    });
    if (i % 7 === 0)
      events.push({
        userId: `u${(i + 3) % 10}`,
        itemId: `item-${i}`,
        type: "VIEW",
        weight: 1,
        timestamp: now - DAY,
      });
  }
  for (let i = 0; i < 10; i++)
    events.push({ userId: "u0", itemId: `item-${i}`, type: "PURCHASE", weight: 5, timestamp: now - DAY });
  return events;
}

let seeded: TestApp;
let endpoint: LocalEndpoint;
const apps: TestApp[] = [];
const closers: Array<{ close(): Promise<void> }> = [];

/**
 * Which strategy answers must not depend on how fast a loaded test machine is: a cold app's first
 * request reads features, categories and the endpoint, so the timeouts are generous unless a test
 * sets its own.
 */
const UNHURRIED = { STRATEGY_TIMEOUT_MS: "10000", SAGEMAKER_TIMEOUT_MS: "10000" };

/** Another app on the seeded tables, with its own strategy settings. */
async function appWith(env: Record<string, string>): Promise<TestApp> {
  const { tables } = seeded.config.dynamo;
  const t = await createTestApp({
    ITEMS_TABLE: tables.items,
    EVENTS_TABLE: tables.events,
    USERS_TABLE: tables.users,
    STATS_TABLE: tables.stats,
    RECS_STRATEGY: "SAGEMAKER_XGBOOST",
    ...UNHURRIED,
    ...env,
  });
  apps.push(t);
  return t;
}

beforeAll(async () => {
  seeded = await createTestApp({
    RECS_STRATEGY: "SAGEMAKER_XGBOOST",
    XGBOOST_MODEL_URI: modelPath,
    SAGEMAKER_CANDIDATES: "250",
    ...UNHURRIED,
  });
  apps.push(seeded);
  const { app } = seeded;
  await app.stores.items.putMany(
    Array.from({ length: ITEMS }, (_, i) => ({
      itemId: `item-${i}`,
      title: `Item ${i}`,
      category: `cat-${i % 3}`,
    })),
  );
  await importEvents(app, [demoEvents(Date.now())]);
  await runFeatureJob({
    events: app.stores.events,
    items: app.stores.items,
    features: new FeatureStore(app.db, seeded.config.dynamo.tables.stats),
  });
  endpoint = await startLocalEndpoint({ modelPath, endpointName: "recs" });
  closers.push(endpoint);
});

afterAll(async () => {
  await Promise.all([...apps, ...closers].map((c) => c.close()));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("SAGEMAKER_XGBOOST in-process (XGBOOST_MODEL_URI)", () => {
  it("ranks candidates with the model, best first, without seen items", async () => {
    const list = await seeded.app.recommendations.recommendations("u0", { k: 10 });
    expect(list.strategy).toBe("SAGEMAKER_XGBOOST");
    expect(list.fallbackFrom).toBeUndefined();
    expect(list.modelVersion).toMatch(/^local:.*model\.json\+features-v1-/);
    expect(list.items).toHaveLength(10);
    const scores = list.items.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const seen = new Set(
      demoEvents(0)
        .filter((e) => e.userId === "u0")
        .map((e) => e.itemId),
    );
    expect(list.items.filter((i) => seen.has(i.itemId))).toEqual([]);
    // Both stumps right: sigmoid(1 + 0.5) for the top items (popular and in a category u0 likes).
    expect(scores[0]).toBeCloseTo(1 / (1 + Math.exp(-1.5)), 6);
  });

  it("honours the category filter", async () => {
    const list = await seeded.app.recommendations.recommendations("u1", {
      k: 5,
      filter: { category: "cat-2" },
    });
    expect(list.strategy).toBe("SAGEMAKER_XGBOOST");
    expect(list.items.every((i) => Number(i.itemId.split("-")[1]) % 3 === 2)).toBe(true);
  });

  it("loads features with one BatchGetItem per 100 keys, per request", async () => {
    const calls = countBatchGets(seeded.app.db);
    // A user without events: 250 popular candidates + the user's own key = 251 keys.
    await seeded.app.recommendations.recommendations("newcomer", { k: 10 });
    expect([...calls].sort((a, b) => b - a)).toEqual([100, 100, 51]);
    await seeded.app.recommendations.recommendations("newcomer", { k: 10 });
    expect(calls).toHaveLength(6); // the DataLoader cache lives for one request only
  });

  it("says it is unavailable, and the router falls back, when no feature spec exists", async () => {
    const bare = await createTestApp({ RECS_STRATEGY: "SAGEMAKER_XGBOOST", XGBOOST_MODEL_URI: modelPath });
    apps.push(bare);
    const list = await bare.app.recommendations.recommendations("u0", { k: 5 });
    expect(list.strategy).toBe("POPULAR");
    expect(list.fallbackFrom).toBe("SAGEMAKER_XGBOOST");
    const status = bare.app.health().strategies.find((s) => s.name === "SAGEMAKER_XGBOOST")!;
    expect(status).toMatchObject({ configured: true, ready: false });
    expect(status.detail).toMatch(/recs features/);
  });

  it("answers relatedItems through the next strategy", async () => {
    const list = await seeded.app.recommendations.relatedItems("item-3", {
      k: 3,
      strategy: "SAGEMAKER_XGBOOST",
    });
    expect(list.fallbackFrom).toBe("SAGEMAKER_XGBOOST");
    expect(list.items.length).toBeGreaterThan(0);
  });
});

describe("SAGEMAKER_XGBOOST on an endpoint (SAGEMAKER_ENDPOINT_NAME + SAGEMAKER_ENDPOINT_URL)", () => {
  it("serves the same list, scores included, as the in-process model", async () => {
    const remote = await appWith({
      SAGEMAKER_ENDPOINT_NAME: "recs",
      SAGEMAKER_ENDPOINT_URL: endpoint.url,
      SAGEMAKER_CANDIDATES: "250",
    });
    for (const userId of ["u0", "u1", "u5", "newcomer"]) {
      const viaEndpoint = await remote.app.recommendations.recommendations(userId, { k: 20 });
      const inProcess = await seeded.app.recommendations.recommendations(userId, { k: 20 });
      expect(viaEndpoint.strategy).toBe("SAGEMAKER_XGBOOST");
      expect(viaEndpoint.modelVersion).toMatch(/^endpoint:recs\+features-/);
      expect(viaEndpoint.items).toEqual(inProcess.items);
    }
  });

  async function fallsBack(env: Record<string, string>): Promise<void> {
    const t = await appWith(env);
    const list = await t.app.recommendations.recommendations("u0", { k: 5 });
    expect(list.strategy).toBe("POPULAR");
    expect(list.fallbackFrom).toBe("SAGEMAKER_XGBOOST");
    expect(list.items).toHaveLength(5);
  }

  it("falls back on a ModelError (the container refuses rows narrower than its model)", async () => {
    const wide = await startLocalEndpoint({
      modelPath: writeModel("wide.json", modelJson(FEATURES.length + 3)),
      endpointName: "recs",
    });
    closers.push(wide);
    await fallsBack({ SAGEMAKER_ENDPOINT_NAME: "recs", SAGEMAKER_ENDPOINT_URL: wide.url });
  });

  it("falls back on a 4xx ValidationError (unknown endpoint)", async () => {
    await fallsBack({ SAGEMAKER_ENDPOINT_NAME: "no-such-endpoint", SAGEMAKER_ENDPOINT_URL: endpoint.url });
  });

  it("falls back on a 5xx", async () => {
    const failing: StubServer = await startStubServer(() => ({
      status: 500,
      headers: { "content-type": "application/json", "x-amzn-errortype": "InternalFailure" },
      body: JSON.stringify({ message: "boom" }),
    }));
    closers.push(failing);
    await fallsBack({ SAGEMAKER_ENDPOINT_NAME: "recs", SAGEMAKER_ENDPOINT_URL: failing.url });
    expect(failing.requests.length).toBeGreaterThan(0);
  });

  it("falls back when the endpoint answers after SAGEMAKER_TIMEOUT_MS", async () => {
    const slow: StubServer = await startStubServer(() => ({ status: 200, body: "0.5", delayMs: 2_000 }));
    closers.push(slow);
    await fallsBack({
      SAGEMAKER_ENDPOINT_NAME: "recs",
      SAGEMAKER_ENDPOINT_URL: slow.url,
      SAGEMAKER_TIMEOUT_MS: "50",
    });
  });

  const faults: Array<[string, StubReply]> = [
    ["slow (answers after 5 s)", { status: 200, body: "0.5", delayMs: 5_000 }],
    ["500", { status: 500, headers: { "x-amzn-errortype": "InternalFailure" }, body: '{"message":"boom"}' }],
    [
      "throttled (429)",
      {
        status: 429,
        headers: { "x-amzn-errortype": "ThrottlingException" },
        body: '{"message":"slow down"}',
      },
    ],
    ["garbage", { status: 200, headers: { "content-type": "text/csv" }, body: "not,a,score\n{{" }],
  ];
  it.each(faults)(
    "%s: each request falls back within the timeout plus a margin, and the breaker counts it",
    async (_name, reply) => {
      const stub = await startStubServer(() => reply);
      closers.push(stub);
      const t = await appWith({
        SAGEMAKER_ENDPOINT_NAME: "recs",
        SAGEMAKER_ENDPOINT_URL: stub.url,
        SAGEMAKER_TIMEOUT_MS: "300",
        BREAKER_FAILURES: "3",
      });
      for (let i = 0; i < 4; i++) {
        const started = performance.now();
        const list = await t.app.recommendations.recommendations(`u${i}`, { k: 5 });
        expect(list).toMatchObject({ strategy: "POPULAR", fallbackFrom: "SAGEMAKER_XGBOOST" });
        expect(performance.now() - started).toBeLessThan(300 + 1_000); // a correctness bound, not a benchmark
      }
      expect(t.app.router.status().find((s) => s.name === "SAGEMAKER_XGBOOST")?.circuit).toBe("open");
      const calls = stub.requests.length;
      await t.app.recommendations.recommendations("u9", { k: 5 });
      expect(stub.requests.length).toBe(calls); // open: the endpoint is not called at all
    },
  );
});
