import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { describe, expect, it } from "vitest";
import { Logger } from "../../../src/observability/logger";
import { StrategyRouter } from "../../../src/strategies/router";
import type { RecommendQuery, Strategy, StrategyResult } from "../../../src/strategies/strategy";
import type { StrategyName } from "../../../src/domain/vocabulary";

const query: RecommendQuery = { userId: "u1", k: 2, exclude: new Set(), interactions: new Map() };
const items = (...ids: string[]): StrategyResult => ({ items: ids.map((itemId) => ({ itemId, score: 1 })) });

/** Strategies that note whether a recording span is active while they run (where an SDK call would nest). */
function setup() {
  const recordingInside: boolean[] = [];
  const strategy = (name: StrategyName, answer: () => Promise<StrategyResult>): Strategy => ({
    name,
    status: () => ({ configured: true, ready: true }),
    recommend: () => {
      recordingInside.push(trace.getActiveSpan()?.isRecording() ?? false);
      return answer();
    },
    related: answer,
  });
  const router = new StrategyRouter(
    new Map([
      ["NMF", strategy("NMF", async () => Promise.reject(new Error("model file unreadable")))],
      ["POPULAR", strategy("POPULAR", async () => items("p1", "p2"))],
    ]),
    { defaultStrategy: "NMF", fallback: [], timeoutMs: 1_000 },
    new Logger("silent"),
  );
  return { router, recordingInside };
}

describe("tracing: a span per strategy call", () => {
  it("records nothing while no OpenTelemetry SDK is registered (local runs, tests, Lambda without the layer)", async () => {
    const { router, recordingInside } = setup();
    const served = await router.recommend(query);
    expect(served.strategy).toBe("POPULAR");
    expect(recordingInside).toEqual([false, false]);
  });

  it("with an SDK registered, each strategy call is a span with its strategy, variant and outcome", async () => {
    // What the ADOT layer registers before the handler loads: a provider and an async context manager.
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    expect(context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())).toBe(true);
    try {
      const { router, recordingInside } = setup();
      await router.recommend(query);
      expect(recordingInside).toEqual([true, true]);

      const spans = exporter.getFinishedSpans();
      expect(spans.map((s) => s.name)).toEqual(["strategy NMF", "strategy POPULAR"]);
      const [nmf, popular] = spans;
      expect(nmf!.attributes).toEqual({
        "recs.strategy": "NMF",
        "recs.variant": "default",
        "recs.outcome": "error",
      });
      expect(nmf!.status).toEqual({ code: SpanStatusCode.ERROR, message: "model file unreadable" });
      expect(nmf!.events.map((e) => e.name)).toEqual(["exception"]);
      expect(popular!.attributes).toMatchObject({ "recs.strategy": "POPULAR", "recs.outcome": "served" });
      expect(popular!.status.code).toBe(SpanStatusCode.UNSET);
      expect(trace.getActiveSpan()).toBeUndefined(); // no span left active afterwards
    } finally {
      trace.disable();
      context.disable();
      await provider.shutdown();
    }
  });
});
