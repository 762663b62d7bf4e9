import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { forEachLimited } from "../shared/limited";
import { statsKeys } from "./keys";
import { allPages } from "./pages";

/**
 * Popularity with exponential time decay in one counter per item ("forward decay"): an event of
 * weight w at time t adds w * 2^((t - start) / halfLife). Ranking by the stored sums equals ranking
 * by decayed counts at any moment, so one atomic ADD per event is all the write path costs.
 *
 * The sums double every half-life, so counters live in eras of ERA_HALF_LIVES half-lives, each with
 * its own start: values stay below 2^16 x weight (exact in DynamoDB and JavaScript numbers). A ranking
 * reads the current era and the previous one, scaled down by 2^-ERA_HALF_LIVES to the same start.
 */
const ERA_HALF_LIVES = 16;
const UPDATES_IN_FLIGHT = 16;
/**
 * Each era's counters are spread over this many partition keys by a hash of the item id, so writes
 * take up to SHARDS x 1,000 write units a second before DynamoDB throttles a key, and a ranking reads
 * the shards in parallel.
 */
export const POPULARITY_SHARDS = 8;

export interface PopularityEntry {
  itemId: string;
  category?: string;
  score: number;
}

export interface PopularityEvent {
  itemId: string;
  category?: string;
  weight: number;
  /** epoch ms */
  timestamp: number;
}

export class PopularityStore {
  private readonly halfLifeMs: number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    halfLifeDays: number,
  ) {
    this.halfLifeMs = halfLifeDays * 86_400_000;
  }

  /**
   * Sums per era and item first, so bulk ingestion costs one update per item, not per event. Eras
   * before the previous one are never read by a ranking, so their events (old history) are skipped.
   */
  async addMany(events: Iterable<PopularityEvent>, now = Date.now()): Promise<void> {
    const oldestRead = this.eraOf(now) - 1;
    const sums = new Map<string, { era: number; itemId: string; category?: string; score: number }>();
    for (const e of events) {
      const era = this.eraOf(e.timestamp);
      if (era < oldestRead) continue;
      const key = `${era}\u0000${e.itemId}`;
      const entry = sums.get(key) ?? { era, itemId: e.itemId, category: e.category, score: 0 };
      entry.score += e.weight * 2 ** ((e.timestamp - this.eraStart(era)) / this.halfLifeMs);
      sums.set(key, entry);
    }
    await forEachLimited([...sums.values()], UPDATES_IN_FLIGHT, ({ era, itemId, category, score }) =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: shardKey(era, itemId), sk: itemId },
          UpdateExpression: category ? "ADD score :s SET category = :c" : "ADD score :s",
          ExpressionAttributeValues: { ":s": score, ...(category ? { ":c": category } : {}) },
        }),
      ),
    );
  }

  /** Every item with recent events, most popular first. */
  async ranking(now = Date.now()): Promise<PopularityEntry[]> {
    const era = this.eraOf(now);
    const [current, previous] = await Promise.all([this.era(era), this.era(era - 1)]);
    const merged = new Map<string, PopularityEntry>();
    const add = (entries: PopularityEntry[], scale: number) => {
      for (const e of entries) {
        const entry = merged.get(e.itemId);
        if (entry) entry.score += e.score * scale;
        else merged.set(e.itemId, { ...e, score: e.score * scale });
      }
    };
    add(current, 1);
    add(previous, 2 ** -ERA_HALF_LIVES);
    return [...merged.values()].sort((a, b) => b.score - a.score);
  }

  /** The era's shards in parallel, and the key counters had before they were sharded. */
  private async era(era: number): Promise<PopularityEntry[]> {
    const keys = [
      statsKeys.popularityBeforeShards(era),
      ...Array.from({ length: POPULARITY_SHARDS }, (_, s) => statsKeys.popularity(era, s)),
    ];
    const shards = await Promise.all(keys.map((key) => this.partition(key)));
    return shards.flat();
  }

  private async partition(pk: string): Promise<PopularityEntry[]> {
    const rows = await allPages((ExclusiveStartKey) =>
      this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :p",
          ExpressionAttributeValues: { ":p": pk },
          ExclusiveStartKey,
        }),
      ),
    );
    return rows.map((row) => ({
      itemId: String(row.sk),
      category: row.category as string | undefined,
      score: Number(row.score),
    }));
  }

  private eraOf(timestamp: number): number {
    return Math.floor(timestamp / (ERA_HALF_LIVES * this.halfLifeMs));
  }

  private eraStart(era: number): number {
    return era * ERA_HALF_LIVES * this.halfLifeMs;
  }
}

/** FNV-1a of the item id: an item's counter always lives in the same shard. */
function shardKey(era: number, itemId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < itemId.length; i++) hash = Math.imul(hash ^ itemId.charCodeAt(i), 0x01000193);
  return statsKeys.popularity(era, (hash >>> 0) % POPULARITY_SHARDS);
}
