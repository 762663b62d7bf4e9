/**
 * A value loaded on first use and then reloaded in the background at most every `ttlSeconds`: only a
 * caller that finds no value at all waits for it. A failed reload keeps the previous value, reports
 * the failure, and is not retried before the next period (a dead source is not hammered).
 */
export class BackgroundRefresh<T> {
  private value: T | undefined;
  private lastError: string | undefined;
  private checkedAt = -Infinity;
  private inFlight: Promise<T | undefined> | undefined;

  constructor(
    /** Loads a fresh value; gets the current one, so it can keep it when nothing changed. */
    private readonly load: (current: T | undefined) => Promise<T>,
    private readonly ttlSeconds: number,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value now, never waiting; starts a background reload when one is due. */
  peek(): T | undefined {
    if (this.due()) void this.refresh();
    return this.value;
  }

  /** The value, waiting only when there is none yet (joining a load already running). */
  async get(): Promise<T | undefined> {
    if (this.value !== undefined) return this.peek();
    return this.due() ? this.refresh() : (this.inFlight ?? this.value);
  }

  /** Reloads now, joining a reload already running. */
  refresh(): Promise<T | undefined> {
    this.inFlight ??= this.reload().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  /** The value held, without starting anything. */
  get held(): T | undefined {
    return this.value;
  }

  /** The last reload's failure; cleared by the next success. */
  get error(): string | undefined {
    return this.lastError;
  }

  /** The next read reloads (after a seed or an import changed the source). */
  invalidate(): void {
    this.checkedAt = -Infinity;
  }

  private due(): boolean {
    return this.inFlight === undefined && this.now() - this.checkedAt >= this.ttlSeconds * 1000;
  }

  private async reload(): Promise<T | undefined> {
    this.checkedAt = this.now();
    try {
      this.value = await this.load(this.value);
      this.lastError = undefined;
    } catch (error) {
      this.lastError = (error as Error).message;
      this.onError(error);
    }
    return this.value;
  }
}
