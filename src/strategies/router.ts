import type { AbVariant, Config } from "../config";
import { LAST_RESORT, type StrategyName } from "../domain/vocabulary";
import type { Logger } from "../observability/logger";
import { recordCircuitState, recordFallback, type Metrics } from "../observability/metrics";
import { awsFailure } from "../shared/aws";
import { inSpan, markFailed } from "../observability/tracing";
import { AbSplit } from "./ab";
import { CircuitBreaker, type BreakerState } from "./breaker";
import { formatRecommendationId } from "./recommendation-id";
import {
  StrategyUnavailableError,
  type RecommendQuery,
  type RelatedQuery,
  type Strategy,
  type StrategyResult,
  type StrategyStatus,
} from "./strategy";

export interface RouterOptions {
  defaultStrategy: StrategyName;
  /** Tried in order after the chosen strategy; POPULAR always ends the chain. */
  fallback: StrategyName[];
  timeoutMs: number;
  /** Per-strategy timeouts; timeoutMs for the others. */
  timeouts?: Partial<Record<StrategyName, number>>;
  /** Sticky per-user split between strategies; empty means everyone gets defaultStrategy. */
  ab?: AbVariant[];
  breaker?: Config["router"]["breaker"];
}

/** A list as served: who answered, who was asked first, and the id that attributes outcomes. */
export interface ServedList extends StrategyResult {
  strategy: StrategyName;
  fallbackFrom?: StrategyName;
  variant: string;
  recommendationId: string;
}

/** Why a strategy in the chain did not answer: logged, and counted by the metrics layer. */
export interface Skip {
  strategy: StrategyName;
  reason:
    | "not_configured"
    | "not_ready"
    | "circuit_open"
    | "unavailable"
    | "timeout"
    | "error"
    /** The service refused this request's content (a 4xx such as ValidationException): not its failure. */
    | "rejected"
    | "empty";
  error?: unknown;
}

type Call = (strategy: Strategy, signal: AbortSignal) => Promise<StrategyResult>;

/** The signal of calls that nothing cancels (the last resort, in-process strategies). */
const NEVER_ABORTED = new AbortController().signal;

interface Choice {
  strategy: StrategyName;
  variant: string;
}

export class StrategyRouter {
  private readonly breakers = new Map<StrategyName, CircuitBreaker>();
  private readonly split: AbSplit | undefined;
  /** The fallback chain of each chosen strategy, built once rather than per request. */
  private readonly chains = new Map<StrategyName, StrategyName[]>();

  constructor(
    private readonly strategies: ReadonlyMap<StrategyName, Strategy>,
    private readonly options: RouterOptions,
    private readonly log: Logger,
    private readonly metrics?: Metrics,
  ) {
    this.split = options.ab?.length ? new AbSplit(options.ab) : undefined;
    if (options.breaker) {
      // POPULAR has no breaker: it is the answer of last resort.
      for (const name of strategies.keys()) {
        if (name !== LAST_RESORT) this.breakers.set(name, new CircuitBreaker(options.breaker));
      }
    }
  }

  recommend(query: RecommendQuery, requested?: StrategyName): Promise<ServedList> {
    const choice = this.choose(requested, query.userId || undefined);
    return this.serve(choice, (s, signal) => s.recommend(query, signal));
  }

  related(query: RelatedQuery, requested?: StrategyName): Promise<ServedList> {
    return this.serve(this.choose(requested, undefined), (s, signal) => s.related(query, signal));
  }

  status(): Array<{ name: StrategyName; circuit: BreakerState } & StrategyStatus> {
    return [...this.strategies.values()].map((s) => ({
      name: s.name,
      ...s.status(),
      circuit: this.breakers.get(s.name)?.state() ?? "closed",
    }));
  }

  /** The strategy that serves this user when a request names none: their A/B variant, else the default. */
  assigned(userId: string): StrategyName {
    return this.choose(undefined, userId || undefined).strategy;
  }

  /** A request's override wins, then the user's A/B variant, then the configured default. */
  private choose(requested: StrategyName | undefined, userId: string | undefined): Choice {
    if (requested) return { strategy: requested, variant: "override" };
    if (this.split && userId) return this.split.assign(userId);
    return { strategy: this.options.defaultStrategy, variant: "default" };
  }

  private async serve({ strategy: chosen, variant }: Choice, call: Call): Promise<ServedList> {
    const skips: Skip[] = [];
    for (const name of this.chain(chosen)) {
      const isLast = name === LAST_RESORT;
      const strategy = this.strategies.get(name);
      if (!strategy) {
        skips.push({ strategy: name, reason: "not_configured" });
        continue;
      }
      if (!isLast && !strategy.status().ready) {
        skips.push({ strategy: name, reason: "not_ready" });
        continue;
      }
      const breaker = this.breakers.get(name);
      if (breaker && !breaker.canPass()) {
        skips.push({ strategy: name, reason: "circuit_open" });
        continue;
      }
      // One span per strategy call: which strategy, for which variant, and how it ended.
      const outcome = await inSpan(
        `strategy ${name}`,
        { "recs.strategy": name, "recs.variant": variant },
        async (span) => {
          const result = await this.attempt(strategy, call, isLast);
          span.setAttribute("recs.outcome", "skip" in result ? result.skip.reason : "served");
          if ("skip" in result && countsAsFailure(result.skip))
            markFailed(span, result.skip.error ?? result.skip.reason);
          return result;
        },
      );
      if (breaker) this.report(name, breaker, outcome);
      if ("skip" in outcome) {
        skips.push(outcome.skip);
        continue;
      }
      if (skips.length) {
        this.log.info("strategy fell back", { chosen, servedBy: name, skips: skips.map(describe) });
        if (this.metrics) recordFallback(this.metrics, chosen, name);
      }
      // Named fields, not `{ ...result, strategy, ... }`: Node 20's V8 takes a slow path for a spread
      // followed by more fields, a few microseconds on every request.
      const { items, modelVersion, externalId } = outcome.result;
      return {
        items,
        modelVersion,
        externalId,
        strategy: name,
        fallbackFrom: name === chosen ? undefined : chosen,
        variant,
        recommendationId: formatRecommendationId(name, variant, externalId),
      };
    }
    // Only reachable when POPULAR is not registered, which createApp never does.
    throw new Error(`no strategy could answer: ${skips.map(describe).join("; ")}`);
  }

  /**
   * Errors and timeouts count against a strategy; "unavailable", "empty" and "rejected" are answers,
   * not failures: one caller's odd request must not open the circuit for everyone.
   */
  private report(
    name: StrategyName,
    breaker: CircuitBreaker,
    outcome: { skip: Skip } | { result: StrategyResult },
  ): void {
    const before = breaker.state();
    if ("skip" in outcome && countsAsFailure(outcome.skip)) breaker.onFailure();
    else breaker.onSuccess();
    const after = breaker.state();
    if (before === after) return;
    this.log.warn("circuit breaker changed state", { strategy: name, from: before, to: after });
    if (this.metrics) recordCircuitState(this.metrics, name, after === "open");
  }

  /** The end of the chain answers without a timeout and, if it ever throws, with an empty list. */
  private async lastResort(strategy: Strategy, call: Call): Promise<StrategyResult> {
    try {
      return await call(strategy, NEVER_ABORTED);
    } catch (error) {
      this.log.error("last-resort strategy failed; serving an empty list", {
        strategy: strategy.name,
        error,
      });
      return { items: [] };
    }
  }

  private chain(chosen: StrategyName): StrategyName[] {
    let chain = this.chains.get(chosen);
    if (!chain) {
      chain = [...new Set<StrategyName>([chosen, ...this.options.fallback, LAST_RESORT])];
      this.chains.set(chosen, chain);
    }
    return chain;
  }

  private async attempt(
    strategy: Strategy,
    call: Call,
    isLast: boolean,
  ): Promise<{ result: StrategyResult } | { skip: Skip }> {
    if (isLast) return { result: await this.lastResort(strategy, call) };
    const controller = strategy.inProcess ? undefined : new AbortController();
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = controller
        ? await Promise.race([
            call(strategy, controller.signal),
            new Promise<"timeout">((resolve) => {
              timer = setTimeout(
                () => resolve("timeout"),
                this.options.timeouts?.[strategy.name] ?? this.options.timeoutMs,
              );
            }),
          ])
        : await call(strategy, NEVER_ABORTED);
      if (result === "timeout") {
        controller?.abort(); // the SDK call is cancelled, not left running
        return { skip: { strategy: strategy.name, reason: "timeout" } };
      }
      if (result.items.length === 0) return { skip: { strategy: strategy.name, reason: "empty" } };
      return { result };
    } catch (error) {
      controller?.abort();
      const reason = failureReason(error);
      if (reason !== "unavailable")
        this.log.warn(reason === "error" ? "strategy failed" : "strategy's service refused the request", {
          strategy: strategy.name,
          error,
        });
      return { skip: { strategy: strategy.name, reason, error } };
    } finally {
      clearTimeout(timer);
    }
  }
}

function failureReason(error: unknown): Skip["reason"] {
  if (error instanceof StrategyUnavailableError) return "unavailable";
  return awsFailure(error) === "rejected" ? "rejected" : "error";
}

function describe(skip: Skip): string {
  const detail = skip.error instanceof Error ? `: ${skip.error.message}` : "";
  return `${skip.strategy} ${skip.reason}${detail}`;
}

/** What the breaker counts and the span marks as failed: errors and timeouts; "unavailable", "rejected" and "empty" are answers. */
function countsAsFailure(skip: Skip): boolean {
  return skip.reason === "error" || skip.reason === "timeout";
}
