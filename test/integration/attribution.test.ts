import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Logger } from "../../src/observability/logger";
import { AttributionService } from "../../src/recommend/attribution.service";
import { AttributionStore } from "../../src/store/attribution.store";
import { createDocumentClient } from "../../src/store/dynamo";
import { formatRecommendationId } from "../../src/strategies/recommendation-id";
import { DynamoFaultProxy } from "../support/dynamo-fault-proxy";
import { createTestApp, type TestApp } from "../support/local-dynamo";

let t: TestApp;
let proxy: DynamoFaultProxy;
let store: AttributionStore;

beforeAll(async () => {
  t = await createTestApp();
  proxy = await DynamoFaultProxy.start(t.config.dynamo.endpoint!);
  const db = createDocumentClient({ region: "us-east-1", endpoint: proxy.endpoint });
  store = new AttributionStore(db, t.config.dynamo.tables.stats);
});
afterAll(async () => {
  await proxy.close();
  await t.close();
});

const NOW = Date.parse("2026-03-10T12:00:00Z");
const nmfList = { strategy: "NMF", variant: "NMF:50" } as const;
const personalizeList = { strategy: "PERSONALIZE", variant: "PERSONALIZE:50" } as const;
const nmf = formatRecommendationId(nmfList.strategy, nmfList.variant);

/** A process of its own (a Lambda container): its own writer id, its own totals. */
function container(): AttributionService {
  const service = new AttributionService(store, new Logger("silent"), () => NOW, "NMF:50");
  service.close(); // no interval: the test flushes
  return service;
}

describe("attribution counters: one row per writer, totals set idempotently", () => {
  it("sums every container's totals, however often each flushed, and a lost answer's retry counts once", async () => {
    const a = container();
    const b = container();
    for (let i = 0; i < 3; i++) a.served(nmfList);
    a.event(nmf, "PURCHASE");
    await a.flush();
    a.served(nmfList);
    a.event(nmf, "VIEW");
    proxy.inject({ operation: "PutItem", fault: "lost-answer", times: 1 });
    await a.flush(); // the write lands, the SDK sees a 500 and repeats it
    expect(proxy.count("PutItem")).toBeGreaterThanOrEqual(3);
    for (let i = 0; i < 2; i++) b.served(personalizeList);
    b.served(nmfList);
    b.event(nmf, "VIEW");
    await b.flush();
    await a.flush(); // nothing changed: nothing written again

    const report = await container().report({ days: 1 });
    expect(report.rows).toEqual([
      {
        strategy: "NMF",
        variant: "NMF:50",
        served: 5,
        events: expect.arrayContaining([
          { type: "PURCHASE", count: 1, rate: 1 / 5 },
          { type: "VIEW", count: 2, rate: 2 / 5 },
        ]),
      },
      { strategy: "PERSONALIZE", variant: "PERSONALIZE:50", served: 2, events: [] },
    ]);
  });

  it("a write that arrives after a newer one of the same writer changes nothing", async () => {
    const day = "2026-03-11";
    const totals = (served: number) => ({ day, strategy: "NMF", variant: "default", served, events: {} });
    await store.write("w1", 2, totals(7));
    await store.write("w1", 1, totals(4));
    expect(await store.day(day)).toEqual([totals(7)]);
  });

  it("a failed write is repeated, with the newer totals, by the next flush", async () => {
    const c = new AttributionService(store, new Logger("silent"), () => Date.parse("2026-03-12T08:00:00Z"));
    c.close();
    c.served(nmfList);
    proxy.inject({ operation: "PutItem", fault: "server-error", times: Infinity });
    await c.flush();
    proxy.clear();
    c.served(nmfList);
    await c.flush();
    expect(await store.day("2026-03-12")).toEqual([
      { day: "2026-03-12", strategy: "NMF", variant: "NMF:50", served: 2, events: {} },
    ]);
  });
});
