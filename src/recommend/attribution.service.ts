import type { EventType } from "../config";
import type { Logger } from "../observability/logger";
import type { AttributionCounts } from "../store/attribution.store";
import { parseRecommendationId } from "../strategies/recommendation-id";

export interface AttributionSink {
  add(counts: AttributionCounts): Promise<void>;
  day(day: string): Promise<AttributionCounts[]>;
}

export interface StrategyReportRow {
  strategy: string;
  variant: string;
  served: number;
  events: Array<{ type: EventType; count: number; rate: number }>;
}

export interface StrategyReport {
  from: string;
  to: string;
  rows: StrategyReportRow[];
}

const FLUSH_INTERVAL_MS = 5_000;
export const MAX_REPORT_DAYS = 90;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Counts lists served and events attributed to the strategy and variant that served them.
 * Counts are summed in memory and written as a few atomic ADDs every few seconds (and on flush),
 * so the request path never waits for a counter write.
 */
export class AttributionService {
  private pending = new Map<string, AttributionCounts>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly sink: AttributionSink,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  served(recommendationId: string): void {
    const ref = parseRecommendationId(recommendationId);
    if (ref) this.entry(ref.strategy, ref.variant).served++;
  }

  /** Events carrying a recommendationId the gateway issued; anything else is ignored. */
  event(recommendationId: string | undefined, type: EventType): void {
    const ref = recommendationId ? parseRecommendationId(recommendationId) : undefined;
    if (!ref) return;
    const entry = this.entry(ref.strategy, ref.variant);
    entry.events[type] = (entry.events[type] ?? 0) + 1;
  }

  async flush(): Promise<void> {
    const batch = [...this.pending.values()];
    this.pending = new Map();
    const results = await Promise.allSettled(batch.map((counts) => this.sink.add(counts)));
    results.forEach((result, i) => {
      if (result.status === "fulfilled") return;
      this.log.warn("attribution counters not written; kept for the next flush", { error: result.reason });
      this.merge(batch[i]!);
    });
  }

  /** Totals per strategy and variant over the last `days` UTC days (today included). */
  async report(days: number): Promise<StrategyReport> {
    await this.flush();
    const today = this.now();
    const dates = Array.from({ length: days }, (_, i) => dayOf(today - i * 86_400_000));
    const perDay = await Promise.all(dates.map((d) => this.sink.day(d)));
    const totals = new Map<string, StrategyReportRow & { counts: Partial<Record<EventType, number>> }>();
    for (const c of perDay.flat()) {
      const key = `${c.strategy}~${c.variant}`;
      const row = totals.get(key) ?? {
        strategy: c.strategy,
        variant: c.variant,
        served: 0,
        events: [],
        counts: {},
      };
      row.served += c.served;
      for (const [type, n] of Object.entries(c.events) as Array<[EventType, number]>) {
        row.counts[type] = (row.counts[type] ?? 0) + n;
      }
      totals.set(key, row);
    }
    const rows = [...totals.values()].map(({ counts, ...row }) => ({
      ...row,
      events: (Object.entries(counts) as Array<[EventType, number]>).map(([type, count]) => ({
        type,
        count,
        rate: row.served ? count / row.served : 0,
      })),
    }));
    rows.sort((a, b) => a.strategy.localeCompare(b.strategy) || a.variant.localeCompare(b.variant));
    return { from: dates[dates.length - 1]!, to: dates[0]!, rows };
  }

  close(): void {
    clearInterval(this.timer);
  }

  private entry(strategy: string, variant: string, day = dayOf(this.now())): AttributionCounts {
    const key = `${day}~${strategy}~${variant}`;
    let entry = this.pending.get(key);
    if (!entry) this.pending.set(key, (entry = { day, strategy, variant, served: 0, events: {} }));
    return entry;
  }

  private merge(counts: AttributionCounts): void {
    const entry = this.entry(counts.strategy, counts.variant, counts.day);
    entry.served += counts.served;
    for (const [type, n] of Object.entries(counts.events) as Array<[EventType, number]>) {
      entry.events[type] = (entry.events[type] ?? 0) + n;
    }
  }
}
