import { describe, expect, it } from "vitest";
import type { StrategyName } from "../../src/domain/vocabulary";
import { Logger } from "../../src/observability/logger";
import { StrategyRouter } from "../../src/strategies/router";
import {
  StrategyUnavailableError,
  type RecommendQuery,
  type Strategy,
  type StrategyResult,
} from "../../src/strategies/strategy";

const silent = new Logger("silent");
const query: RecommendQuery = { userId: "u1", k: 3, exclude: new Set(), interactions: new Map() };

/** A strategy whose answer each test decides. */
function strategy(
  name: StrategyName,
  answer: (signal: AbortSignal) => Promise<StrategyResult>,
  ready = true,
): Strategy {
  return {
    name,
    status: () => ({ configured: true, ready }),
    recommend: (_q, signal) => answer(signal),
    related: (_q, signal) => answer(signal),
  };
}

const items = (...ids: string[]): StrategyResult => ({
  items: ids.map((itemId, i) => ({ itemId, score: 1 - i / 10 })),
});
const popular = strategy("POPULAR", async () => items("p1", "p2", "p3"));

function router(strategies: Strategy[], defaultStrategy: StrategyName = "NMF", timeoutMs = 50) {
  return new StrategyRouter(
    new Map(strategies.map((s) => [s.name, s])),
    { defaultStrategy, fallback: [], timeoutMs },
    silent,
  );
}

describe("StrategyRouter", () => {
  it("serves from the configured strategy with a recommendationId naming it", async () => {
    const served = await router([strategy("NMF", async () => items("a", "b")), popular]).recommend(query);
    expect(served).toMatchObject({ strategy: "NMF", fallbackFrom: undefined, variant: "default" });
    expect(served.items.map((i) => i.itemId)).toEqual(["a", "b"]);
    expect(served.recommendationId).toMatch(/^NMF~default~[0-9a-f-]{36}$/);
  });

  it("falls back to POPULAR when the chosen strategy is not configured", async () => {
    const served = await router([popular], "PERSONALIZE").recommend(query);
    expect(served).toMatchObject({ strategy: "POPULAR", fallbackFrom: "PERSONALIZE" });
  });

  it("falls back when the chosen strategy is not ready, unavailable, throws or answers nothing", async () => {
    const cases: Strategy[] = [
      strategy("NMF", async () => items("a"), false),
      strategy("NMF", async () => {
        throw new StrategyUnavailableError("NMF", "cold user");
      }),
      strategy("NMF", async () => {
        throw new Error("boom");
      }),
      strategy("NMF", async () => items()),
    ];
    for (const nmf of cases) {
      const served = await router([nmf, popular]).recommend(query);
      expect(served).toMatchObject({ strategy: "POPULAR", fallbackFrom: "NMF" });
      expect(served.items).toHaveLength(3);
    }
  });

  it("aborts a strategy that exceeds its timeout and answers from the fallback", async () => {
    let aborted = false;
    const slow = strategy(
      "NMF",
      (signal) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => resolve(items("late")), 5_000);
          signal.addEventListener("abort", () => {
            aborted = true;
            clearTimeout(timer);
          });
        }),
    );
    const served = await router([slow, popular], "NMF", 20).recommend(query);
    expect(served.strategy).toBe("POPULAR");
    expect(aborted).toBe(true);
  });

  it("uses a strategy's own timeout when one is configured", async () => {
    const slowFor = (ms: number) => (signal: AbortSignal) =>
      new Promise<StrategyResult>((resolve) => {
        const timer = setTimeout(() => resolve(items("slow")), ms);
        signal.addEventListener("abort", () => clearTimeout(timer));
      });
    const r = new StrategyRouter(
      new Map<StrategyName, Strategy>([
        ["NMF", strategy("NMF", slowFor(60))],
        ["POPULAR", popular],
      ]),
      { defaultStrategy: "NMF", fallback: [], timeoutMs: 20, timeouts: { NMF: 500 } },
      silent,
    );
    expect((await r.recommend(query)).strategy).toBe("NMF");
  });

  it("runs an in-process strategy without a timeout race: its answer is served however long it took", async () => {
    const inProcess: Strategy = {
      ...strategy("NMF", () => new Promise((resolve) => setTimeout(() => resolve(items("n")), 40))),
      inProcess: true,
    };
    const served = await router([inProcess, popular], "NMF", 10).recommend(query);
    expect(served).toMatchObject({ strategy: "NMF", items: [{ itemId: "n" }] });
  });

  it("honours a per-request strategy and walks the configured fallback chain in order", async () => {
    const calls: string[] = [];
    const failing = (name: StrategyName) =>
      strategy(name, async () => {
        calls.push(name);
        throw new Error(`${name} down`);
      });
    const nmf = strategy("NMF", async () => {
      calls.push("NMF");
      return items("n1");
    });
    const r = new StrategyRouter(
      new Map<StrategyName, Strategy>([
        ["PERSONALIZE", failing("PERSONALIZE")],
        ["SAGEMAKER_XGBOOST", failing("SAGEMAKER_XGBOOST")],
        ["NMF", nmf],
        ["POPULAR", popular],
      ]),
      { defaultStrategy: "POPULAR", fallback: ["SAGEMAKER_XGBOOST", "NMF"], timeoutMs: 50 },
      silent,
    );
    const served = await r.recommend(query, "PERSONALIZE");
    expect(calls).toEqual(["PERSONALIZE", "SAGEMAKER_XGBOOST", "NMF"]);
    expect(served).toMatchObject({ strategy: "NMF", fallbackFrom: "PERSONALIZE", variant: "override" });
  });

  it("answers with an empty list rather than an error when even POPULAR fails", async () => {
    const broken = strategy("POPULAR", async () => {
      throw new Error("store down");
    });
    const served = await router([broken], "POPULAR").recommend(query);
    expect(served).toMatchObject({ strategy: "POPULAR", items: [] });
  });
});

describe("StrategyRouter breaker and A/B split", () => {
  it("stops calling a failing strategy once its breaker opens", async () => {
    let calls = 0;
    const down = strategy("PERSONALIZE", async () => {
      calls++;
      throw new Error("503");
    });
    const r = new StrategyRouter(
      new Map<StrategyName, Strategy>([
        ["PERSONALIZE", down],
        ["POPULAR", popular],
      ]),
      {
        defaultStrategy: "PERSONALIZE",
        fallback: [],
        timeoutMs: 50,
        breaker: { failures: 3, windowSeconds: 60, openSeconds: 60 },
      },
      silent,
    );
    for (let i = 0; i < 10; i++) expect((await r.recommend(query)).strategy).toBe("POPULAR");
    expect(calls).toBe(3);
    expect(r.status().find((s) => s.name === "PERSONALIZE")?.circuit).toBe("open");
  });

  it("gives each user a sticky variant and reports it", async () => {
    const nmf = strategy("NMF", async () => items("n"));
    const r = new StrategyRouter(
      new Map<StrategyName, Strategy>([
        ["NMF", nmf],
        ["POPULAR", popular],
      ]),
      {
        defaultStrategy: "NMF",
        fallback: [],
        timeoutMs: 50,
        ab: [
          { strategy: "NMF", weight: 50 },
          { strategy: "POPULAR", weight: 50 },
        ],
      },
      silent,
    );
    const variants = new Map<string, string>();
    for (let u = 0; u < 40; u++) {
      const served = await r.recommend({ ...query, userId: `user-${u}` });
      expect(served.recommendationId.startsWith(`${served.strategy}~${served.variant}~`)).toBe(true);
      variants.set(`user-${u}`, served.variant);
    }
    expect(new Set(variants.values())).toEqual(new Set(["NMF:50", "POPULAR:50"]));
    for (const [userId, variant] of variants)
      expect((await r.recommend({ ...query, userId })).variant).toBe(variant);
  });
});
