import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { TtlCache } from "../shared/ttl-cache";
import { ItemStore, type CatalogItem } from "./items.store";

export interface ItemCacheOptions {
  /** CATALOG_CACHE_SECONDS; 0 turns the cache off. */
  ttlSeconds: number;
  /** Bounds memory on a large catalog: the oldest entries go first. */
  maxEntries?: number;
  now?: () => number;
}

/**
 * The item store with an in-process cache in front of getMany (the per-request DataLoader's
 * source): items change rarely, and hydrating every list from DynamoDB was the largest cost of a
 * `recommendations` request in the benchmark. Missing items are cached too, so unknown ids cannot
 * force a read per request. Writes through this store drop what they replace.
 */
export class CachingItemStore extends ItemStore {
  private readonly cache: TtlCache<CatalogItem | undefined>;

  constructor(db: DynamoDBDocumentClient, table: string, options: ItemCacheOptions) {
    super(db, table);
    this.cache = new TtlCache(options.ttlSeconds * 1000, options.maxEntries, options.now);
  }

  override getMany(ids: readonly string[]): Promise<Array<CatalogItem | undefined>> {
    return this.cache.getMany(ids, (missing) => super.getMany(missing));
  }

  /** The items when all of them are cached (the usual case for a served list), read without waiting. */
  cachedMany(ids: readonly string[]): Array<CatalogItem | undefined> | undefined {
    return this.cache.peekMany(ids);
  }

  override async putMany(items: readonly CatalogItem[]): Promise<void> {
    await super.putMany(items);
    for (const item of items) this.cache.delete(item.itemId);
  }
}
