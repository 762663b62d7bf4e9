import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { untilProcessed } from "./unprocessed";

const MAX_ITEMS_PER_CALL = 25;
const MAX_ROUNDS = 10;

type Row = Record<string, unknown>;

/** PutRequests in chunks of 25 with UnprocessedItems retried; throws when DynamoDB keeps refusing. */
export async function batchPut(
  db: DynamoDBDocumentClient,
  table: string,
  rows: readonly Row[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += MAX_ITEMS_PER_CALL) {
    const requests = rows.slice(i, i + MAX_ITEMS_PER_CALL).map((Item) => ({ PutRequest: { Item } }));
    await untilProcessed(`BatchWriteItem on ${table}`, requests, MAX_ROUNDS, async (pending) => {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      return (out.UnprocessedItems?.[table] as typeof requests | undefined) ?? [];
    });
  }
}
