import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { forEachLimited } from "../shared/limited";
import { untilProcessed } from "./unprocessed";

const MAX_ITEMS_PER_CALL = 25;
const MAX_ROUNDS = 10;
/** Calls in flight: DynamoDB (and dynalite) take batches fastest with several at once. */
const CONCURRENT_CALLS = 8;

type Row = Record<string, unknown>;

/** PutRequests in chunks of 25, several in flight, UnprocessedItems retried; throws when DynamoDB keeps refusing. */
export async function batchPut(
  db: DynamoDBDocumentClient,
  table: string,
  rows: readonly Row[],
): Promise<void> {
  const chunks: Row[][] = [];
  for (let i = 0; i < rows.length; i += MAX_ITEMS_PER_CALL)
    chunks.push(rows.slice(i, i + MAX_ITEMS_PER_CALL));
  await forEachLimited(chunks, CONCURRENT_CALLS, async (chunk) => {
    const requests = chunk.map((Item) => ({ PutRequest: { Item } }));
    await untilProcessed(`BatchWriteItem on ${table}`, requests, MAX_ROUNDS, async (pending) => {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      return (out.UnprocessedItems?.[table] as typeof requests | undefined) ?? [];
    });
  });
}
