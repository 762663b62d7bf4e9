import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { EventType } from "../config";
import { statsKeys } from "./keys";

/** Counters of one strategy variant on one UTC day: lists served and attributed events by type. */
export interface AttributionCounts {
  day: string;
  strategy: string;
  variant: string;
  served: number;
  events: Partial<Record<EventType, number>>;
}

const RETENTION_DAYS = 400;

/** Rows in the stats table: pk "attr#<day>", sk "<strategy>~<variant>", atomic ADD counters. */
export class AttributionStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async add(counts: AttributionCounts): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, number> = { ":served": counts.served };
    const adds = ["served :served"];
    for (const [type, n] of Object.entries(counts.events)) {
      names[`#${type}`] = `ev_${type}`;
      values[`:${type}`] = n;
      adds.push(`#${type} :${type}`);
    }
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: statsKeys.attribution(counts.day), sk: `${counts.strategy}~${counts.variant}` },
        UpdateExpression: `ADD ${adds.join(", ")} SET expiresAt = if_not_exists(expiresAt, :ttl)`,
        ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
        ExpressionAttributeValues: {
          ...values,
          ":ttl": Date.parse(counts.day) / 1000 + RETENTION_DAYS * 86_400,
        },
      }),
    );
  }

  async day(day: string): Promise<AttributionCounts[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": statsKeys.attribution(day) },
      }),
    );
    return (out.Items ?? []).map((row) => {
      const [strategy = "", variant = ""] = String(row.sk).split("~");
      const events: Partial<Record<EventType, number>> = {};
      for (const [key, value] of Object.entries(row)) {
        if (key.startsWith("ev_")) events[key.slice(3) as EventType] = Number(value);
      }
      return { day, strategy, variant, served: Number(row.served ?? 0), events };
    });
  }
}
