import { describe, expect, it } from "vitest";
import { Logger } from "../../../src/observability/logger";
import { AttributionService } from "../../../src/recommend/attribution.service";
import type { AttributionCounts } from "../../../src/store/attribution.store";

const NOW = Date.parse("2026-03-10T12:00:00Z");

function serviceWith(rows: Array<Omit<AttributionCounts, "day">>, defaultControl?: string) {
  const sink = {
    write: async () => undefined,
    // Every row on today's date only.
    day: async (day: string) => (day === "2026-03-10" ? rows.map((r) => ({ ...r, day })) : []),
  };
  const service = new AttributionService(sink, new Logger("silent", {}), () => NOW, defaultControl);
  service.close();
  return service;
}

const ROWS = [
  // The NMF variant's lists: most answered by NMF, some by its POPULAR fallback (intent to treat).
  { strategy: "NMF", variant: "NMF:50", served: 900, events: { PURCHASE: 180, VIEW: 400 } },
  { strategy: "POPULAR", variant: "NMF:50", served: 100, events: { PURCHASE: 20 } },
  { strategy: "PERSONALIZE", variant: "PERSONALIZE:50", served: 1000, events: { PURCHASE: 250, VIEW: 380 } },
  // Lists asked for by strategy override are not part of the experiment.
  { strategy: "NMF", variant: "override", served: 50, events: { PURCHASE: 49 } },
];

describe("strategyReport's A/B readout", () => {
  it("compares each variant, summed over the strategies that answered it, with the first RECS_AB variant", async () => {
    const report = await serviceWith(ROWS, "NMF:50").report({ days: 7 });
    expect(report.control).toBe("NMF:50");
    expect(report.comparisons).toHaveLength(1);
    const [personalize] = report.comparisons;
    expect(personalize).toMatchObject({ variant: "PERSONALIZE:50", served: 1000, controlServed: 1000 });
    const purchase = personalize!.events.find((e) => e.type === "PURCHASE")!;
    // 200/1000 against 250/1000: the figures computed by hand in ab-test.test.ts.
    expect(purchase.controlRate).toBe(0.2);
    expect(purchase.rate).toBe(0.25);
    expect(purchase.z).toBeCloseTo(2.6774, 4);
    expect(purchase.significant).toBe(true);
    const view = personalize!.events.find((e) => e.type === "VIEW")!;
    expect(view.difference).toBeCloseTo(-0.02, 10);
    expect(view.significant).toBe(false);
  });

  it("takes a control named by the caller, and its minimum detectable effect", async () => {
    const report = await serviceWith(ROWS, "NMF:50").report({
      days: 7,
      control: "PERSONALIZE:50",
      test: { alpha: 0.05, power: 0.8, minimumDetectableEffect: 0.5 },
    });
    expect(report.control).toBe("PERSONALIZE:50");
    expect(report.comparisons.map((c) => c.variant)).toEqual(["NMF:50"]);
    const purchase = report.comparisons[0]!.events.find((e) => e.type === "PURCHASE")!;
    expect(purchase.difference).toBeCloseTo(-0.05, 10);
    // 0.25 -> 0.375 needs far fewer lists than 1000 per arm.
    expect(purchase.requiredPerVariant).toBeLessThan(1000);
    expect(purchase.sampleReached).toBe(true);
  });

  it("compares nothing without an A/B split or a named control", async () => {
    const report = await serviceWith(ROWS).report({ days: 7 });
    expect(report.control).toBeUndefined();
    expect(report.comparisons).toEqual([]);
    expect(report.rows).toHaveLength(4);
  });
});
