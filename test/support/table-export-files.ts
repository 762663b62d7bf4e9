import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";

/**
 * Writes a DynamoDB table export (DYNAMODB_JSON) in the layout DynamoDB produces, for tests:
 *   <manifestPrefix>/_started, manifest-summary.json, manifest-files.json (JSON lines),
 *   <manifestPrefix>/data/<name>.json.gz (gzip, one {"Item": {...}} per line; an empty file too).
 * Items are written in DynamoDB JSON by hand ({"S": ...}, {"N": "..."}), not with the SDK's marshall.
 */

export type PlainRow = Record<string, string | number | undefined>;

export function dynamoJson(row: PlainRow): Record<string, { S: string } | { N: string }> {
  const out: Record<string, { S: string } | { N: string }> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === undefined) continue;
    out[key] = typeof value === "number" ? { N: String(value) } : { S: value };
  }
  return out;
}

export interface ExportLayoutOptions {
  /** The export's S3 prefix (what ExportTableToPointInTime was given). */
  s3Prefix?: string;
  /** Name keys without the prefix ("AWSDynamoDB/..."), as the documentation's example does. */
  keysWithoutPrefix?: boolean;
  tableArn?: string;
}

export async function writeTableExport(
  s3: S3Client,
  bucket: string,
  manifestPrefix: string,
  files: PlainRow[][],
  options: ExportLayoutOptions = {},
): Promise<{ dataKeys: string[] }> {
  const put = (Key: string, Body: string | Buffer) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
  const named = (key: string) =>
    options.keysWithoutPrefix && options.s3Prefix ? key.slice(options.s3Prefix.length + 1) : key;

  await put(`${manifestPrefix}/_started`, Buffer.alloc(0));
  const entries: string[] = [];
  const dataKeys: string[] = [];
  for (const [i, rows] of files.entries()) {
    const key = `${manifestPrefix}/data/${createHash("sha1").update(`${manifestPrefix}${i}`).digest("hex").slice(0, 26)}.json.gz`;
    const text =
      rows.map((row) => JSON.stringify({ Item: dynamoJson(row) })).join("\n") + (rows.length ? "\n" : "");
    const gz = gzipSync(text);
    await put(key, gz);
    dataKeys.push(key);
    entries.push(
      JSON.stringify({
        itemCount: rows.length,
        md5Checksum: createHash("md5").update(gz).digest("base64"),
        etag: createHash("md5").update(gz).digest("hex"),
        dataFileS3Key: named(key),
      }),
    );
  }
  await put(`${manifestPrefix}/manifest-files.json`, entries.join("\n") + "\n");
  const exportId = manifestPrefix.split("/").pop();
  const tableArn = options.tableArn ?? "arn:aws:dynamodb:us-east-1:123456789012:table/events";
  await put(
    `${manifestPrefix}/manifest-summary.json`,
    JSON.stringify({
      version: "2020-06-30",
      exportArn: `${tableArn}/export/${exportId}`,
      startTime: "2026-11-29T03:00:00.000Z",
      endTime: "2026-11-29T03:07:12.345Z",
      tableArn,
      tableId: "12345a12-abcd-123a-ab12-1234abc12345",
      exportTime: "2026-11-29T03:00:00.000Z",
      s3Bucket: bucket,
      s3Prefix: options.s3Prefix ?? null,
      s3SseAlgorithm: "AES256",
      s3SseKmsKeyId: null,
      manifestFilesS3Key: named(`${manifestPrefix}/manifest-files.json`),
      billedSizeBytes: 0,
      itemCount: files.reduce((n, rows) => n + rows.length, 0),
      outputFormat: "DYNAMODB_JSON",
    }),
  );
  return { dataKeys };
}
