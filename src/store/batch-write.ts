import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { sleep } from "./batch-get";

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
    let requests = rows.slice(i, i + MAX_ITEMS_PER_CALL).map((Item) => ({ PutRequest: { Item } }));
    for (let round = 0; requests.length > 0; round++) {
      if (round === MAX_ROUNDS)
        throw new Error(`BatchWriteItem on ${table}: items still unprocessed after ${round} rounds`);
      if (round > 0) await sleep(Math.min(1000, 25 * 2 ** round) * Math.random());
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] as typeof requests | undefined) ?? [];
    }
  }
}
