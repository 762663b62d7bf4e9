import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { awsClientOptions } from "../shared/aws";

export interface DynamoOptions {
  region: string;
  /** dynalite or DynamoDB Local; undefined means the real service. */
  endpoint?: string;
}

/** The SDK's standard retry mode backs off on throttling and 5xx; these are the only knobs we set. */
export function createDynamoClient(options: DynamoOptions): DynamoDBClient {
  return new DynamoDBClient({ ...awsClientOptions(options.region, options.endpoint), maxAttempts: 5 });
}

export function createDocumentClient(options: DynamoOptions): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(createDynamoClient(options), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
