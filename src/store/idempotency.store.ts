import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { StoredEvent } from "./events.store";
import { statsKeys } from "./keys";

const SK = "idempotency";
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/**
 * Idempotency keys in the stats table (pk "idem#<key>"). The record holds the whole event it
 * claimed, so any retry can finish storing that exact event if the first attempt died half-way.
 */
export class IdempotencyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Claims the key for this event; returns the event that already holds it when there is one. */
  async claim(key: string, event: StoredEvent, now = Date.now()): Promise<StoredEvent | undefined> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: statsKeys.idempotency(key),
            sk: SK,
            event,
            expiresAt: Math.floor(now / 1000) + IDEMPOTENCY_TTL_SECONDS,
          },
          // DynamoDB deletes expired items lazily (dynalite never): an expired record counts as absent.
          ConditionExpression: "attribute_not_exists(pk) OR expiresAt < :now",
          ExpressionAttributeValues: { ":now": Math.floor(now / 1000) },
        }),
      );
      return undefined;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { pk: statsKeys.idempotency(key), sk: SK },
        ConsistentRead: true,
      }),
    );
    const existing = out.Item?.event as StoredEvent | undefined;
    if (!existing) throw new Error(`idempotency record ${key} vanished between claim and read`);
    return existing;
  }
}
