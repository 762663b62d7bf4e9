import { S3Client } from "@aws-sdk/client-s3";
import { awsClientOptions } from "../../shared/aws";
import type { ModelFamily } from "../family";
import { LocalBackend } from "./local-backend";
import { ModelStore } from "./model-store";
import { parseS3Uri, S3Backend } from "./s3-backend";

export { ModelLoadError } from "./artifact";
export { ModelHolder, type ModelHolderStatus } from "./model-holder";
export { ModelStore } from "./model-store";

export interface ModelStoreOptions {
  region?: string;
  /** Another S3 endpoint (tests, MinIO); path-style addressing goes with it. */
  s3Endpoint?: string;
  forcePathStyle?: boolean;
}

/** MODEL_URI "s3://bucket/prefix" -> S3; anything else is a local folder. */
export function createModelStore(
  uri: string,
  family: ModelFamily,
  options: ModelStoreOptions = {},
): ModelStore {
  if (!uri.startsWith("s3://")) return new ModelStore(new LocalBackend(uri), family);
  const client = new S3Client({
    ...awsClientOptions(options.region ?? "us-east-1", options.s3Endpoint),
    forcePathStyle: options.forcePathStyle ?? options.s3Endpoint !== undefined,
  });
  return new ModelStore(new S3Backend(client, parseS3Uri(uri)), family);
}
