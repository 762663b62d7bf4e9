/**
 * A value loaded once and then refreshed in the background when older than `ttlSeconds`:
 * only the very first read waits; a failed reload keeps the previous value.
 */
export class BackgroundRefresh<T> {
  private value: T | undefined;
  private loadedAt = -Infinity;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly ttlSeconds: number,
    private readonly onError: (error: unknown) => void,
    private readonly now: () => number = Date.now,
  ) {}

  async get(): Promise<T | undefined> {
    if (this.now() - this.loadedAt > this.ttlSeconds * 1000 && !this.loading) {
      this.loading = this.reload().finally(() => (this.loading = undefined));
    }
    if (this.value === undefined) await this.loading;
    return this.value;
  }

  /** The next read reloads (after a seed or an import changed the source). */
  invalidate(): void {
    this.loadedAt = -Infinity;
  }

  private async reload(): Promise<void> {
    try {
      this.value = await this.load();
      this.loadedAt = this.now();
    } catch (error) {
      this.onError(error);
    }
  }
}
