import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { nmf } from "../../src/nmf/train";
import { createModelStore, ModelHolder } from "../../src/factors/store";
import { FactorModelStrategy } from "../../src/strategies/factor-model";
import { StrategyRouter } from "../../src/strategies/router";
import type { Strategy } from "../../src/strategies/strategy";
import type { StrategyName } from "../../src/domain/vocabulary";
import { createTestApp, type TestApp } from "../support/local-dynamo";
import {
  startPersonalizeServer,
  syntheticFallback,
  type PersonalizeServer,
} from "../support/personalize-server";
import { startStubServer, type StubReply, type StubServer } from "../support/stub-http-server";

const TIMEOUT_MS = 300;
/** A correctness bound (the fallback answers within the strategy timeout plus a margin), not a benchmark. */
const BOUND_MS = TIMEOUT_MS + 1_000;
const BREAKER_FAILURES = 3;
const CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/faults";

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

describe("Personalize faults: the fallback answers within the timeout and the breaker counts them", () => {
  let personalize: PersonalizeServer;
  let test: TestApp;

  beforeAll(async () => {
    personalize = await startPersonalizeServer({
      knownArns: [CAMPAIGN],
      table: { fallback: syntheticFallback(50) },
    });
  });
  afterAll(() => personalize?.close());
  // A fresh app per test: a fresh breaker.
  beforeEach(async () => {
    await test?.close();
    personalize.faults = {};
    test = await createTestApp({
      RECS_STRATEGY: "PERSONALIZE",
      PERSONALIZE_CAMPAIGN_ARN: CAMPAIGN,
      PERSONALIZE_ENDPOINT_URL: personalize.url,
      STRATEGY_TIMEOUT_MS: String(TIMEOUT_MS),
      BREAKER_FAILURES: String(BREAKER_FAILURES),
    });
  });
  afterAll(() => test?.close());

  const circuit = () => test.app.router.status().find((s) => s.name === "PERSONALIZE")?.circuit;
  const ask = (i: number) =>
    timed(() => test.app.recommendations.recommendations(`fault-user-${i}`, { k: 5 }));

  it("serves Personalize when it is healthy (the baseline the faults depart from)", async () => {
    const { value } = await ask(0);
    expect(value.strategy).toBe("PERSONALIZE");
    expect(value.items).toHaveLength(5);
  });

  const faults: Array<[string, PersonalizeServer["faults"]]> = [
    ["slow (answers after 5 s)", { delayMs: 5_000 }],
    ["500", { fail: { error: "InternalServerError" } }],
    ["throttled", { fail: { error: "ThrottlingException" } }],
    ["garbage", { garbage: true }],
  ];
  it.each(faults)(
    "%s: each request falls back to POPULAR within the bound, and the breaker opens",
    async (_name, fault) => {
      personalize.faults = fault;
      for (let i = 0; i < BREAKER_FAILURES + 1; i++) {
        const { value, ms } = await ask(i);
        expect(value).toMatchObject({ strategy: "POPULAR", fallbackFrom: "PERSONALIZE" });
        expect(ms).toBeLessThan(BOUND_MS);
      }
      expect(circuit()).toBe("open");
      // With the circuit open, Personalize is not even called.
      const before = personalize.requests.length;
      await ask(99);
      expect(personalize.requests.length).toBe(before);
    },
  );
});

describe("S3 model store faults: NMF is skipped (never waited for) and POPULAR answers", () => {
  let test: TestApp;
  let s3: StubServer;
  let reply: StubReply;

  beforeAll(async () => {
    test = await createTestApp();
    s3 = await startStubServer(() => reply);
  });
  afterAll(async () => {
    await test?.close();
    await s3?.close();
  });

  /** The app's POPULAR behind an NMF whose models live in the faulty "S3". */
  function routerOnS3() {
    const models = new ModelHolder(
      createModelStore("s3://models/recs/nmf", nmf, { s3Endpoint: s3.url }),
      60,
      test.app.log,
    );
    const strategies = new Map<StrategyName, Strategy>([
      ["NMF", new FactorModelStrategy("NMF", models)],
      ["POPULAR", test.app.popular],
    ]);
    const router = new StrategyRouter(
      strategies,
      { defaultStrategy: "NMF", fallback: ["POPULAR"], timeoutMs: TIMEOUT_MS },
      test.app.log,
    );
    return { models, router };
  }

  const faults: Array<[string, StubReply]> = [
    ["slow (answers after 5 s)", { status: 200, body: "{}", delayMs: 5_000 }],
    [
      "500",
      {
        status: 500,
        headers: { "content-type": "application/xml" },
        body: "<Error><Code>InternalError</Code></Error>",
      },
    ],
    [
      "throttled (503 SlowDown)",
      {
        status: 503,
        headers: { "content-type": "application/xml" },
        body: "<Error><Code>SlowDown</Code></Error>",
      },
    ],
    [
      "garbage",
      { status: 200, headers: { "content-type": "application/json" }, body: "\u0000not a manifest{{" },
    ],
  ];
  it.each(faults)("%s", async (name, fault) => {
    reply = fault;
    const { models, router } = routerOnS3();
    const loading = models.refresh(); // the load a server starts at boot, still running or failed
    for (let i = 0; i < 3; i++) {
      const { value, ms } = await timed(() =>
        router.recommend({ userId: `s3-user-${i}`, k: 5, exclude: new Set(), interactions: new Map() }),
      );
      expect(value).toMatchObject({ strategy: "POPULAR", fallbackFrom: "NMF" });
      expect(ms).toBeLessThan(BOUND_MS);
    }
    if (!name.startsWith("slow")) {
      await loading;
      // The failure is counted where health reads it: NMF's status detail.
      expect(router.status().find((s) => s.name === "NMF")).toMatchObject({
        ready: false,
        detail: expect.any(String),
      });
    }
    // The load was tried: its request may still be on its way while the router has already answered.
    await vi.waitFor(() => expect(s3.requests.length).toBeGreaterThan(0));
  });
});
