import { randomBytes } from "node:crypto";
import type { EventType, StrategyName } from "../domain/vocabulary";
import type { Logger } from "../observability/logger";
import type { AttributionCounts } from "../store/attribution.store";
import {
  compareProportions,
  DEFAULT_TEST_OPTIONS,
  type Comparison,
  type TestOptions,
} from "../stats/ab-test";
import { parseRecommendationId } from "../strategies/recommendation-id";

export interface AttributionSink {
  /** Sets `writer`'s totals of one day, strategy and variant; a lower `seq` than the stored one is ignored. */
  write(writer: string, seq: number, totals: AttributionCounts): Promise<void>;
  day(day: string): Promise<AttributionCounts[]>;
}

export interface StrategyReportRow {
  strategy: string;
  variant: string;
  served: number;
  events: Array<{ type: EventType; count: number; rate: number }>;
}

/** One variant against the control: every variant's lists count, whichever strategy answered them. */
export interface VariantComparison {
  variant: string;
  served: number;
  controlServed: number;
  events: Array<{ type: EventType } & Comparison>;
}

export interface StrategyReport {
  from: string;
  to: string;
  rows: StrategyReportRow[];
  /** The variant the others are compared with; undefined without an A/B split or a named control. */
  control?: string;
  test: TestOptions;
  comparisons: VariantComparison[];
}

export interface ReportOptions {
  days: number;
  /** A variant name such as "NMF:50"; default: the first variant of RECS_AB. */
  control?: string;
  test?: TestOptions;
}

/** Lists of these variants were not randomised: never compared unless named as the control. */
const NOT_RANDOMISED = new Set(["override", "default"]);

const FLUSH_INTERVAL_MS = 5_000;
export const MAX_REPORT_DAYS = 90;
const DAY_MS = 86_400_000;
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Counts lists served and events attributed to the strategy and variant that served them. This
 * process's running totals per day are kept in memory and written every few seconds (and on flush)
 * as absolute values under a writer id of its own: the request path never waits for a counter
 * write, no row is shared by processes, and a repeated or late write cannot count twice.
 */
export class AttributionService {
  private readonly totals = new Map<string, { counts: AttributionCounts; dirty: boolean }>();
  private readonly writer = randomBytes(9).toString("base64url");
  private seq = 0;
  private readonly timer: NodeJS.Timeout;
  /** The UTC day being counted and when it started: formatted once a day, not once per list. */
  private day = { start: NaN, text: "" };

  constructor(
    private readonly sink: AttributionSink,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    /** The first variant of RECS_AB, the default control of the readout. */
    private readonly defaultControl?: string,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * A list as the router served it, counted under its strategy and variant (the ones its
   * recommendationId names: variant names hold no "~"), without parsing the id just made.
   */
  served(list: { strategy: StrategyName; variant: string }): void {
    this.entry(list.strategy, list.variant).served++;
  }

  /** Events carrying a recommendationId the gateway issued; anything else is ignored. */
  event(recommendationId: string | undefined, type: EventType): void {
    const ref = recommendationId ? parseRecommendationId(recommendationId) : undefined;
    if (!ref) return;
    const entry = this.entry(ref.strategy, ref.variant);
    entry.events[type] = (entry.events[type] ?? 0) + 1;
  }

  /** Writes the totals that changed; a failed write stays due and is repeated with newer totals. */
  async flush(): Promise<void> {
    const today = dayOf(this.now());
    const due = [...this.totals].filter(([, t]) => t.dirty);
    await Promise.all(
      due.map(async ([key, total]) => {
        total.dirty = false;
        try {
          await this.sink.write(this.writer, ++this.seq, structuredClone(total.counts));
          // A past day's totals no longer change once written.
          if (!total.dirty && total.counts.day < today) this.totals.delete(key);
        } catch (error) {
          total.dirty = true;
          this.log.warn("attribution counters not written; kept for the next flush", { error });
        }
      }),
    );
  }

  /** Totals per strategy and variant over the last `days` UTC days (today included), and the A/B readout. */
  async report({
    days,
    control = this.defaultControl,
    test = DEFAULT_TEST_OPTIONS,
  }: ReportOptions): Promise<StrategyReport> {
    await this.flush();
    const today = this.now();
    const dates = Array.from({ length: days }, (_, i) => dayOf(today - i * DAY_MS));
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
    return {
      from: dates[dates.length - 1]!,
      to: dates[0]!,
      rows,
      control,
      test,
      comparisons: control ? compareVariants(rows, control, test) : [],
    };
  }

  close(): void {
    clearInterval(this.timer);
  }

  private entry(strategy: string, variant: string): AttributionCounts {
    const now = this.now();
    if (!(now >= this.day.start && now < this.day.start + DAY_MS))
      this.day = { start: now - (now % DAY_MS), text: dayOf(now) };
    const day = this.day.text;
    const key = `${day}~${strategy}~${variant}`;
    let total = this.totals.get(key);
    if (!total)
      this.totals.set(
        key,
        (total = { counts: { day, strategy, variant, served: 0, events: {} }, dirty: false }),
      );
    total.dirty = true;
    return total.counts;
  }
}

/** Each variant's lists and events summed over the strategies that answered them, against the control's. */
export function compareVariants(
  rows: StrategyReportRow[],
  control: string,
  test: TestOptions,
): VariantComparison[] {
  const byVariant = new Map<string, { served: number; counts: Partial<Record<EventType, number>> }>();
  for (const row of rows) {
    const sum = byVariant.get(row.variant) ?? { served: 0, counts: {} };
    sum.served += row.served;
    for (const e of row.events) sum.counts[e.type] = (sum.counts[e.type] ?? 0) + e.count;
    byVariant.set(row.variant, sum);
  }
  const base = byVariant.get(control) ?? { served: 0, counts: {} };
  const comparisons: VariantComparison[] = [];
  for (const [variant, sum] of byVariant) {
    if (variant === control || NOT_RANDOMISED.has(variant)) continue;
    const types = [
      ...new Set([...Object.keys(base.counts), ...Object.keys(sum.counts)]),
    ].sort() as EventType[];
    comparisons.push({
      variant,
      served: sum.served,
      controlServed: base.served,
      // The counters count events, not lists: the test reads each event as one list converting, so a
      // list followed by several events of one type overstates its rate (capped at the lists served).
      events: types.map((type) => ({
        type,
        ...compareProportions(
          { n: base.served, x: Math.min(base.counts[type] ?? 0, base.served) },
          { n: sum.served, x: Math.min(sum.counts[type] ?? 0, sum.served) },
          test,
        ),
      })),
    });
  }
  return comparisons.sort((a, b) => a.variant.localeCompare(b.variant));
}
