import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { forEachLimited } from "../shared/limited";
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
          Key: { pk: `popular#${era}`, sk: itemId },
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
    const merged = new Map(current.map((e) => [e.itemId, e]));
    for (const old of previous) {
      const scaled = old.score * 2 ** -ERA_HALF_LIVES;
      const entry = merged.get(old.itemId);
      if (entry) entry.score += scaled;
      else merged.set(old.itemId, { ...old, score: scaled });
    }
    return [...merged.values()].sort((a, b) => b.score - a.score);
  }

  private async era(era: number): Promise<PopularityEntry[]> {
    const rows = await allPages((ExclusiveStartKey) =>
      this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :p",
          ExpressionAttributeValues: { ":p": `popular#${era}` },
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
