import { readFile } from "node:fs/promises";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { XgbModel } from "./model";

export interface ModelSourceOptions {
  /** The client for s3:// locations; made from `region` when absent. */
  s3?: S3Client;
  region?: string;
}

/** Loads a `save_model` JSON model from a file path or an s3://bucket/key location. */
export async function loadXgbModel(uri: string, options: ModelSourceOptions = {}): Promise<XgbModel> {
  return XgbModel.fromJsonText(await readModelText(uri, options));
}

async function readModelText(uri: string, options: ModelSourceOptions): Promise<string> {
  const s3Location = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!s3Location) {
    if (uri.startsWith("s3://")) throw new Error(`cannot read "${uri}": expected s3://bucket/key`);
    return readFile(uri, "utf8");
  }
  const s3 = options.s3 ?? new S3Client({ region: options.region });
  const object = await s3.send(new GetObjectCommand({ Bucket: s3Location[1], Key: s3Location[2] }));
  if (!object.Body) throw new Error(`${uri} has no body`);
  return object.Body.transformToString("utf8");
}
