import { QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "../../src/store/dynamo";
import { startEmbeddedDynamo, type EmbeddedDynamo } from "../../src/store/embedded";
import { startServerProcess, type ServerProcess } from "./server-process";

export const EVENTS_TABLE = "recs-events";

export interface GatewayOnDynalite {
  server: ServerProcess;
  dynamo: EmbeddedDynamo;
  db: DynamoDBDocumentClient;
  /** Rows in the events table for one (stored, i.e. possibly pseudonymised) user id. */
  countEvents(userId: string): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The real server process on a dynalite this test process owns, so the test can read the tables the
 * server writes (the embedded store belongs to the server process and is not reachable otherwise).
 * `endpoint` lets a test put a proxy (e.g. fault injection) between the server and dynalite.
 */
export async function startGatewayOnDynalite(
  env: Record<string, string> = {},
  endpoint?: (dynamo: EmbeddedDynamo) => string,
): Promise<GatewayOnDynalite> {
  const dynamo = await startEmbeddedDynamo();
  const db = createDocumentClient({ region: "us-east-1", endpoint: dynamo.endpoint });
  const server = await startServerProcess({
    DYNAMODB_ENDPOINT: endpoint ? endpoint(dynamo) : dynamo.endpoint,
    SEED_USERS: "60",
    SEED_ITEMS: "120",
    NMF_COMPONENTS: "8",
    ...env,
  });
  return {
    server,
    dynamo,
    db,
    countEvents: (userId) => countEvents(db, userId),
    async stop() {
      await server.stop();
      db.destroy();
      await dynamo.close();
    },
  };
}

export async function countEvents(
  db: DynamoDBDocumentClient,
  userId: string,
  table = EVENTS_TABLE,
): Promise<number> {
  const out = await db.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: "userId = :u",
      ExpressionAttributeValues: { ":u": userId },
      Select: "COUNT",
      ConsistentRead: true,
    }),
  );
  return out.Count ?? 0;
}
