import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  type CreateTableCommandInput,
} from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { Config } from "../config";

export type TableNames = Config["dynamo"]["tables"];

/** The tables' keys; what lives under them, and the rate each takes, is in ./keys.ts. */
export function tableDefinitions(names: TableNames): CreateTableCommandInput[] {
  const hash = (table: string, key: string): CreateTableCommandInput => ({
    TableName: table,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: key, AttributeType: "S" }],
    KeySchema: [{ AttributeName: key, KeyType: "HASH" }],
  });
  const hashRange = (table: string, key: string, range: string): CreateTableCommandInput => ({
    TableName: table,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: key, AttributeType: "S" },
      { AttributeName: range, AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: key, KeyType: "HASH" },
      { AttributeName: range, KeyType: "RANGE" },
    ],
  });
  return [
    hash(names.items, "itemId"),
    hashRange(names.events, "userId", "sk"),
    hash(names.users, "userId"),
    hashRange(names.stats, "pk", "sk"),
  ];
}

/** Creates missing tables (local and test setups only; deployed stacks own theirs in CloudFormation). */
export async function ensureTables(db: DynamoDBDocumentClient, names: TableNames): Promise<void> {
  for (const definition of tableDefinitions(names)) {
    try {
      await db.send(new DescribeTableCommand({ TableName: definition.TableName }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await db.send(new CreateTableCommand(definition));
    }
  }
}
