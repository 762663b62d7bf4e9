import type { Logger } from "../observability/logger";
import { BackgroundRefresh } from "../shared/background-refresh";

export interface CategorySource {
  categories(): Promise<Map<string, string>>;
}

/**
 * itemId -> category for the whole catalog, in memory: items change rarely and the write path
 * needs an item's category on every event.
 */
export class CatalogIndex {
  private readonly cache: BackgroundRefresh<Map<string, string>>;

  constructor(source: CategorySource, ttlSeconds: number, log: Logger) {
    this.cache = new BackgroundRefresh(
      () => source.categories(),
      ttlSeconds,
      (error) => log.warn("catalog index refresh failed; keeping the previous one", { error }),
    );
  }

  async categoryOf(itemId: string): Promise<string | undefined> {
    return (await this.cache.get())?.get(itemId);
  }

  invalidate(): void {
    this.cache.invalidate();
  }
}
