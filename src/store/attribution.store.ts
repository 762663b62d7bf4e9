import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { EventType } from "../domain/vocabulary";
import { statsKeys } from "./keys";
import { allPages } from "./pages";

/** Counters of one strategy variant on one UTC day: lists served and attributed events by type. */
export interface AttributionCounts {
  day: string;
  strategy: string;
  variant: string;
  served: number;
  events: Partial<Record<EventType, number>>;
}

const RETENTION_DAYS = 400;

/**
 * Rows in the stats table: pk "attr#<day>", sk "<strategy>~<variant>~<writer>". Each process (a
 * Lambda container, a server, a CLI run) owns its rows and writes its running totals for the day:
 * no row is shared by writers (no hot item), and a write repeated after a lost answer or arriving
 * late cannot count twice (`seq` only moves forward). A report sums the rows of each day.
 * Rows "<strategy>~<variant>" without a writer hold counters of older versions and are summed alike.
 */
export class AttributionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Sets one writer's totals; `seq` increases with every write of that writer. */
  async write(writer: string, seq: number, totals: AttributionCounts): Promise<void> {
    const events = Object.fromEntries(Object.entries(totals.events).map(([type, n]) => [`ev_${type}`, n]));
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: statsKeys.attribution(totals.day),
            sk: `${totals.strategy}~${totals.variant}~${writer}`,
            served: totals.served,
            ...events,
            seq,
            expiresAt: Date.parse(totals.day) / 1000 + RETENTION_DAYS * 86_400,
          },
          ConditionExpression: "attribute_not_exists(seq) OR seq < :seq",
          ExpressionAttributeValues: { ":seq": seq },
        }),
      );
    } catch (error) {
      // A later write of this writer is already there: it holds these counts and more.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Every writer's rows of one day (summed by the report per strategy and variant). */
  async day(day: string): Promise<AttributionCounts[]> {
    const rows = await allPages((ExclusiveStartKey) =>
      this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": statsKeys.attribution(day) },
          ExclusiveStartKey,
        }),
      ),
    );
    return rows.map((row) => {
      const [strategy = "", variant = ""] = String(row.sk).split("~");
      const events: Partial<Record<EventType, number>> = {};
      for (const [key, value] of Object.entries(row)) {
        if (key.startsWith("ev_")) events[key.slice(3) as EventType] = Number(value);
      }
      return { day, strategy, variant, served: Number(row.served ?? 0), events };
    });
  }
}
