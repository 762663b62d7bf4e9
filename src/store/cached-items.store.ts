import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ItemStore, type CatalogItem } from "./items.store";

export interface ItemCacheOptions {
  /** CATALOG_CACHE_SECONDS; 0 turns the cache off. */
  ttlSeconds: number;
  /** Bounds memory on a large catalog: the oldest entries go first. */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  item: CatalogItem | undefined;
  expiresAt: number;
}

/**
 * The item store with an in-process cache in front of getMany (the per-request DataLoader's
 * source): items change rarely, and hydrating every list from DynamoDB was the largest cost of a
 * `recommendations` request in the benchmark. Missing items are cached too, so unknown ids cannot
 * force a read per request. Writes through this store drop what they replace.
 */
export class CachingItemStore extends ItemStore {
  private readonly entries = new Map<string, Entry>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(db: DynamoDBDocumentClient, table: string, options: ItemCacheOptions) {
    super(db, table);
    this.ttlMs = options.ttlSeconds * 1000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
  }

  override async getMany(ids: readonly string[]): Promise<Array<CatalogItem | undefined>> {
    if (this.ttlMs <= 0) return super.getMany(ids);
    const now = this.now();
    const missing = [...new Set(ids.filter((id) => !this.fresh(id, now)))];
    if (missing.length) {
      const loaded = await super.getMany(missing);
      missing.forEach((id, i) => this.remember(id, loaded[i], now));
    }
    return ids.map((id) => this.entries.get(id)?.item);
  }

  override async putMany(items: readonly CatalogItem[]): Promise<void> {
    await super.putMany(items);
    for (const item of items) this.entries.delete(item.itemId);
  }

  private fresh(id: string, now: number): boolean {
    const entry = this.entries.get(id);
    return entry !== undefined && entry.expiresAt > now;
  }

  private remember(id: string, item: CatalogItem | undefined, now: number): void {
    this.entries.delete(id); // re-inserted last: Map order is the eviction order
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(id, { item, expiresAt: now + this.ttlMs });
  }
}
