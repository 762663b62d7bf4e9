/**
 * The key design of every table, and every key of the stats table: read this before adding a row.
 * DynamoDB serves at most 1,000 write units (1 KB each) and 3,000 read units (4 KB each) a second
 * per partition key; the rates below follow from it.
 *
 *   items   itemId                  the catalog. Read by key (BatchGetItem through the item cache),
 *                                   written by imports: no key is hot.
 *   events  userId, sk              sk = "<ISO time>#<eventId>": a user's history in time order, TTL
 *                                   expiresAt. Each user a partition: 1,000 events a second per user.
 *   users   userId                  the packed state (src/store/user-state.ts, at most 4 KB of
 *                                   interactions plus the vector): rewritten per event, about 5 write
 *                                   units, so about 200 events a second per user (conflicts retried).
 *   stats   pk, sk                  counters and records of several kinds, by the pk prefixes below.
 */
export const statsKeys = {
  /**
   * Time-decayed popularity, sk = itemId, ADD per event (aggregated per item in bulk): the era's
   * counters over POPULARITY_SHARDS keys, so 8,000 updates a second over all items (1,000 per item).
   */
  popularity: (era: number, shard: number) => `popular#${era}#${shard}`,
  /** Counters written before they were sharded: still read until their era passes. */
  popularityBeforeShards: (era: number) => `popular#${era}`,
  /**
   * Attribution totals of a UTC day, sk = "<strategy>~<variant>~<writer>": each process sets its own
   * rows every 5 s (src/store/attribution.store.ts), so a day's key takes one write per container,
   * strategy and variant every 5 s: 1,000 writes a second is about 1,600 containers at 3 variants.
   * Rows "<strategy>~<variant>" are ADD counters of older releases, summed alike.
   */
  attribution: (day: string) => `attr#${day}`,
  /** One idempotency record per client key (sk "idempotency", TTL): written once per key. */
  idempotency: (key: string) => `idem#${key}`,
  /** XGBoost features (sk "features"), written in batches by the feature job, read by key. */
  userFeatures: (userId: string) => `feat#u#${userId}`,
  itemFeatures: (itemId: string) => `feat#i#${itemId}`,
  featureSpec: "feat#spec",
  /** An import's checkpoint (sk "progress"), id = the source's SHA-256: one write per round. */
  importProgress: (importId: string) => `import#${importId}`,
};
