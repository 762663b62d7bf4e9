import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

/** Records the number of keys of every BatchGetItem a client sends, without changing what it does. */
export function countBatchGets(db: DynamoDBDocumentClient, name = "countBatchGets"): number[] {
  const calls: number[] = [];
  db.middlewareStack.add(
    (next) => async (args) => {
      const input = (args as { input: { RequestItems?: Record<string, { Keys?: unknown[] }> } }).input;
      const keys = Object.values(input.RequestItems ?? {})[0]?.Keys;
      if (keys) calls.push(keys.length);
      return next(args);
    },
    { step: "initialize", name },
  );
  return calls;
}
