export type BreakerState = "closed" | "open" | "half_open";

export interface BreakerOptions {
  /** Failures within the window that open the breaker. */
  failures: number;
  windowSeconds: number;
  /** How long the breaker stays open before it lets one probe through. */
  openSeconds: number;
  /** Milliseconds since the epoch; injectable so tests can move time. */
  now?: () => number;
}

/**
 * One circuit breaker per strategy: after `failures` failures within a sliding window it opens and
 * the router skips the strategy (no call, no timeout to wait for) until `openSeconds` have passed;
 * then a single probe goes through, and its outcome closes or re-opens the breaker.
 */
export class CircuitBreaker {
  private readonly now: () => number;
  private failureTimes: number[] = [];
  private openedAt: number | undefined;
  private probeStartedAt: number | undefined;

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? Date.now;
  }

  state(): BreakerState {
    if (this.openedAt === undefined) return "closed";
    return this.now() - this.openedAt >= this.options.openSeconds * 1000 ? "half_open" : "open";
  }

  /** True when a call may go through; in half-open state only one caller gets true. */
  canPass(): boolean {
    const state = this.state();
    if (state === "closed") return true;
    if (state === "open") return false;
    // A probe whose outcome never arrives (say, the strategy answered "unavailable", which counts
    // neither way) must not hold the breaker half-open for ever: its lease ends after openSeconds.
    const now = this.now();
    if (this.probeStartedAt !== undefined && now - this.probeStartedAt < this.options.openSeconds * 1000)
      return false;
    this.probeStartedAt = now;
    return true;
  }

  onSuccess(): void {
    if (this.openedAt === undefined) return;
    this.openedAt = undefined;
    this.probeStartedAt = undefined;
    this.failureTimes = [];
  }

  onFailure(): void {
    const now = this.now();
    if (this.openedAt !== undefined) {
      // A failed probe (or a late failure of a call started before opening) restarts the open period.
      this.open(now);
      return;
    }
    const windowStart = now - this.options.windowSeconds * 1000;
    this.failureTimes = this.failureTimes.filter((t) => t > windowStart);
    this.failureTimes.push(now);
    if (this.failureTimes.length >= this.options.failures) this.open(now);
  }

  private open(now: number): void {
    this.openedAt = now;
    this.probeStartedAt = undefined;
    this.failureTimes = [];
  }
}
