import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";

export interface DynamoOptions {
  region: string;
  /** dynalite or DynamoDB Local; undefined means the real service. */
  endpoint?: string;
}

/** The SDK's standard retry mode backs off on throttling and 5xx; these are the only knobs we set. */
export function createDocumentClient(options: DynamoOptions): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: options.region,
    endpoint: options.endpoint,
    maxAttempts: 5,
    ...(options.endpoint ? { credentials: localCredentials() } : {}),
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true },
  });
}

/** A local endpoint accepts any credentials; real ones from the environment are used when present. */
export function localCredentials() {
  return {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "local",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "local",
  };
}
