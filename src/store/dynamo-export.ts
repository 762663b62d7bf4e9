import {
  DescribeExportCommand,
  ExportTableToPointInTimeCommand,
  type AttributeValue,
  type DynamoDBClient,
  type ExportDescription,
} from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { createGunzip } from "node:zlib";
import { fromRow, isLive, type EventRow, type StoredEvent } from "./events.store";

/**
 * A DynamoDB table export to S3 (ExportTableToPointInTime), read back as pages of events.
 *
 * Layout (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/S3DataExport.Output.html):
 *   <prefix>/AWSDynamoDB/<ExportId>/manifest-summary.json   one JSON object (manifestFilesS3Key, itemCount, ...)
 *   <prefix>/AWSDynamoDB/<ExportId>/manifest-files.json     JSON lines, one per data file (dataFileS3Key, itemCount, ...)
 *   <prefix>/AWSDynamoDB/<ExportId>/data/<name>.json.gz     gzip, one `{"Item":{...DynamoDB JSON...}}` per line
 * An export reads no table capacity and holds no table in memory: it is how training reads a table
 * that a Scan into one process can no longer hold.
 */

export interface ExportTableOptions {
  tableArn: string;
  bucket: string;
  /** Key prefix of the export (e.g. "exports"); DynamoDB adds AWSDynamoDB/<ExportId>/ below it. */
  prefix: string;
  /** Between two DescribeExport calls. Exports take minutes; the first check is immediate. */
  pollMs?: number;
  /** Give up (and say which export) after this long; default: wait as long as the caller lives. */
  maxWaitMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface TableExport {
  exportArn: string;
  bucket: string;
  /** Key of manifest-summary.json (DescribeExport's ExportManifest). */
  manifestKey: string;
  /** The folder of the manifests: what readTableExport takes. */
  manifestPrefix: string;
  /** Items in the export, as DescribeExport reports them. */
  itemCount?: number;
}

export class TableExportError extends Error {
  constructor(
    message: string,
    readonly exportArn?: string,
  ) {
    super(message);
    this.name = "TableExportError";
  }
}

/**
 * Starts a full export of the table (DYNAMODB_JSON, gzip files; the table needs point-in-time recovery)
 * and polls DescribeExport until it is COMPLETED. FAILED throws with DynamoDB's FailureMessage.
 */
export async function exportTable(ddb: DynamoDBClient, options: ExportTableOptions): Promise<TableExport> {
  const pollMs = options.pollMs ?? 20_000;
  const deadline = Date.now() + (options.maxWaitMs ?? Number.POSITIVE_INFINITY);
  const started = await ddb.send(
    new ExportTableToPointInTimeCommand({
      TableArn: options.tableArn,
      S3Bucket: options.bucket,
      S3Prefix: options.prefix.replace(/^\/+|\/+$/g, "") || undefined,
      ExportFormat: "DYNAMODB_JSON",
      ExportType: "FULL_EXPORT",
    }),
  );
  const exportArn = started.ExportDescription?.ExportArn;
  if (!exportArn) throw new TableExportError("ExportTableToPointInTime returned no ExportArn");
  options.log?.("table export started", { exportArn, bucket: options.bucket, prefix: options.prefix });

  let description: ExportDescription | undefined = started.ExportDescription;
  for (let checks = 0; description?.ExportStatus !== "COMPLETED"; checks++) {
    if (description?.ExportStatus === "FAILED")
      throw new TableExportError(
        `table export ${exportArn} failed: ${description.FailureCode ?? "unknown code"}: ${
          description.FailureMessage ?? "no message"
        }`,
        exportArn,
      );
    if (checks > 0) {
      if (Date.now() + pollMs > deadline)
        throw new TableExportError(
          `table export ${exportArn} still ${description?.ExportStatus ?? "unknown"} after ${checks} checks; giving up`,
          exportArn,
        );
      await sleep(pollMs);
    }
    description = (await ddb.send(new DescribeExportCommand({ ExportArn: exportArn }))).ExportDescription;
  }

  const manifestKey = description.ExportManifest;
  if (!manifestKey)
    throw new TableExportError(`table export ${exportArn} completed without a manifest`, exportArn);
  options.log?.("table export completed", { exportArn, manifestKey, itemCount: description.ItemCount });
  return {
    exportArn,
    bucket: description.S3Bucket ?? options.bucket,
    manifestKey,
    manifestPrefix: manifestKey.replace(/\/?[^/]*$/, ""),
    itemCount: description.ItemCount,
  };
}

interface ManifestSummary {
  manifestFilesS3Key?: string;
  s3Prefix?: string | null;
  itemCount?: number;
  outputFormat?: string;
}

interface ManifestFile {
  dataFileS3Key: string;
  itemCount?: number;
}

/**
 * Every live event of an export, in pages of at most `pageSize`. One data file is open at a time and
 * it streams (S3 body -> gunzip -> lines), so memory holds a page and a chunk, never a file or the
 * export. Rows whose `expiresAt` has passed are skipped (TTL deletes lazily, and an export taken
 * before the deletion still has them); rows without one are kept.
 */
export async function* readTableExport(
  s3: S3Client,
  bucket: string,
  exportManifestPrefix: string,
  now = Date.now(),
  pageSize = 1_000,
): AsyncGenerator<StoredEvent[]> {
  const folder = exportManifestPrefix.replace(/\/+$/, "");
  const summary = JSON.parse(
    await readText(s3, bucket, `${folder}/manifest-summary.json`),
  ) as ManifestSummary;
  if (summary.outputFormat && summary.outputFormat !== "DYNAMODB_JSON")
    throw new TableExportError(`export format ${summary.outputFormat}: only DYNAMODB_JSON is read`);
  const keyOf = (key: string) => exportKey(key, summary.s3Prefix ?? undefined);
  // One short line per data file (a few thousand at most): read whole, so that no S3 stream idles
  // open while the data files are read.
  const files = (
    await readText(s3, bucket, keyOf(summary.manifestFilesS3Key ?? `${folder}/manifest-files.json`))
  )
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as ManifestFile);

  let page: StoredEvent[] = [];
  for (const file of files) {
    for await (const line of gzipLines(s3, bucket, keyOf(file.dataFileS3Key))) {
      const { Item } = JSON.parse(line) as { Item?: Record<string, AttributeValue> };
      if (!Item) continue;
      const row = unmarshall(Item) as EventRow;
      if (!isLive(row, now)) continue;
      page.push(fromRow(row));
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
  }
  if (page.length > 0) yield page;
}

/**
 * Keys in the manifests name the whole key ("<prefix>/AWSDynamoDB/..."); the documentation's own
 * example leaves the prefix out ("AWSDynamoDB/..."). Both are read.
 */
function exportKey(key: string, s3Prefix: string | undefined): string {
  const prefix = s3Prefix?.replace(/^\/+|\/+$/g, "");
  if (!prefix || key.startsWith(`${prefix}/`) || !key.startsWith("AWSDynamoDB/")) return key;
  return `${prefix}/${key}`;
}

async function body(s3: S3Client, bucket: string, key: string): Promise<Readable> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!(out.Body instanceof Readable)) throw new TableExportError(`s3://${bucket}/${key}: no readable body`);
  return out.Body;
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (!out.Body) throw new TableExportError(`s3://${bucket}/${key}: empty body`);
  return out.Body.transformToString("utf8");
}

/** The lines of a gzip object, decompressed as they arrive (the stream's backpressure holds). */
async function* gzipLines(s3: S3Client, bucket: string, key: string): AsyncGenerator<string> {
  const gunzip = createGunzip();
  // Errors of either stream surface through `gunzip`'s iterator; an early return closes both.
  const flowing = pipeline(await body(s3, bucket, key), gunzip).catch(() => undefined);
  gunzip.setEncoding("utf8");
  let rest = "";
  try {
    for await (const chunk of gunzip as AsyncIterable<string>) {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) yield line;
    }
    if (rest.trim()) yield rest;
  } finally {
    gunzip.destroy();
    await flowing;
  }
}
