import { BatchGetCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { untilProcessed } from "./unprocessed";

const MAX_KEYS_PER_CALL = 100;
const MAX_ROUNDS = 8;

type Row = Record<string, unknown>;

/**
 * Reads items by a string hash key with BatchGetItem: chunks of 100 keys, UnprocessedKeys retried with
 * backoff, results re-ordered to match `ids` (undefined where the table has no such item).
 * This is the DataLoader batch function shape: one call per 100 distinct keys.
 */
export function batchGetByKey<T extends Row>(
  db: DynamoDBDocumentClient,
  table: string,
  keyName: string,
  ids: readonly string[],
): Promise<Array<T | undefined>> {
  return batchGetByKeys<T>(
    db,
    table,
    ids,
    (id) => ({ [keyName]: id }),
    (row) => String(row[keyName]),
  );
}

/**
 * The same for any key shape (hash + range): `keyOf` turns an id into the table key, `idOf` reads
 * the id back from a returned row.
 */
export async function batchGetByKeys<T extends Row>(
  db: DynamoDBDocumentClient,
  table: string,
  ids: readonly string[],
  keyOf: (id: string) => Row,
  idOf: (row: Row) => string,
): Promise<Array<T | undefined>> {
  const unique = [...new Set(ids)];
  const found = new Map<string, T>();
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += MAX_KEYS_PER_CALL)
    chunks.push(unique.slice(i, i + MAX_KEYS_PER_CALL));

  await Promise.all(
    chunks.map((chunk) =>
      untilProcessed(`BatchGetItem on ${table}`, chunk.map(keyOf), MAX_ROUNDS, async (keys) => {
        const out = await db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys } } }));
        for (const row of out.Responses?.[table] ?? []) found.set(idOf(row), row as T);
        return (out.UnprocessedKeys?.[table]?.Keys as Row[] | undefined) ?? [];
      }),
    ),
  );
  return ids.map((id) => found.get(id));
}
