import DataLoader from "dataloader";
import type { CatalogItem } from "./items.store";

export interface ItemSource {
  /** Ordered like `ids`; cached in front (CachingItemStore) so hot items cost no read. */
  getMany(ids: readonly string[]): Promise<Array<CatalogItem | undefined>>;
}

/** BatchGetItem's limit: one call per chunk. */
const KEYS_PER_BATCH = 100;

/**
 * An item's category, read by key through the item store's cache: lookups made in the same tick
 * (an event batch, a ranking's candidates) go out as one BatchGetItem, and nothing scans the catalog.
 */
export class ItemCategories {
  private readonly loader = new DataLoader<string, string | undefined>(
    async (ids) => (await this.items.getMany(ids)).map((item) => item?.category),
    { cache: false, maxBatchSize: KEYS_PER_BATCH },
  );

  constructor(private readonly items: ItemSource) {}

  categoryOf(itemId: string): Promise<string | undefined> {
    return this.loader.load(itemId);
  }
}
