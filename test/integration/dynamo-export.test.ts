import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportTable, readTableExport } from "../../src/store/dynamo-export";
import type { StoredEvent } from "../../src/store/events.store";
import { startDynamoExportServer, type DynamoExportServer } from "../support/dynamodb-export-server";
import { startLocalS3, type LocalS3 } from "../support/local-s3";
import { writeTableExport, type PlainRow } from "../support/table-export-files";

const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);
const nowSeconds = NOW / 1000;

/** A stored event row as the events table holds it (sk, expiresAt), and the event it stands for. */
function row(n: number, expiresAt: number | undefined): { row: PlainRow; event: StoredEvent } {
  const timestamp = NOW - n * 60_000;
  const event: StoredEvent = {
    eventId: `ev-${String(n).padStart(5, "0")}`,
    userId: `user-${n % 37}`,
    itemId: `item-${n % 101}`,
    type: n % 3 === 0 ? "PURCHASE" : "VIEW",
    weight: n % 3 === 0 ? 5 : 1,
    timestamp,
    ...(n % 4 === 0 ? { value: 19.99, sessionId: `s-${n}` } : {}),
  };
  return {
    row: { ...event, sk: `${new Date(timestamp).toISOString()}#${event.eventId}`, expiresAt },
    event,
  };
}

async function collect(
  pages: AsyncIterable<StoredEvent[]>,
): Promise<{ events: StoredEvent[]; sizes: number[] }> {
  const events: StoredEvent[] = [];
  const sizes: number[] = [];
  for await (const page of pages) {
    sizes.push(page.length);
    events.push(...page);
  }
  return { events, sizes };
}

describe("table export reader (real S3 client against s3rver)", () => {
  let local: LocalS3;
  let s3: S3Client;
  const requestedKeys: string[] = [];

  beforeAll(async () => {
    local = await startLocalS3();
    s3 = local.s3;
    // Observes which objects are read, in order (the client itself is untouched).
    s3.middlewareStack.add(
      (next) => async (args) => {
        const key = (args.input as { Key?: string }).Key;
        if (key) requestedKeys.push(key);
        return next(args);
      },
      { step: "initialize", name: "recordKeys" },
    );
  });

  afterAll(async () => {
    await local.close();
  });

  it("yields every live event exactly once across several gzip files, in bounded pages, skipping expired rows", async () => {
    const files: PlainRow[][] = [[], [], [], []];
    const live: StoredEvent[] = [];
    for (let n = 0; n < 2_600; n++) {
      // a third keep forever, a third expire tomorrow, a third expired an hour ago
      const expiresAt = n % 3 === 0 ? undefined : n % 3 === 1 ? nowSeconds + 86_400 : nowSeconds - 3_600;
      const { row: r, event } = row(n, expiresAt);
      // file 2 stays empty, as DynamoDB writes one for an empty partition
      files[[0, 1, 3][n % 3]!]!.push(r);
      if (n % 3 !== 2) live.push(event);
    }
    const prefix = "exports/AWSDynamoDB/01764403200000-a1b2c3d4";
    await writeTableExport(s3, "models", prefix, files, { s3Prefix: "exports" });

    const { events, sizes } = await collect(readTableExport(s3, "models", prefix, NOW, 250));

    const ids = events.map((e) => e.eventId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(live.map((e) => e.eventId).sort());
    expect(Math.max(...sizes)).toBeLessThanOrEqual(250);
    expect(sizes.length).toBeGreaterThan(live.length / 250);
    // numbers come back as numbers, key and TTL attributes are dropped, optional fields survive
    const byId = new Map(events.map((e) => [e.eventId, e]));
    for (const expected of live) expect(byId.get(expected.eventId)).toEqual(expected);
  });

  it("opens one data file at a time: the first page comes before the next file is read", async () => {
    const prefix = "exports/AWSDynamoDB/01764403200001-b2c3d4e5";
    const files = [0, 1, 2].map((f) =>
      Array.from({ length: 300 }, (_, i) => row(f * 1_000 + i, undefined).row),
    );
    const { dataKeys } = await writeTableExport(s3, "models", prefix, files, { s3Prefix: "exports" });

    requestedKeys.length = 0;
    const pages = readTableExport(s3, "models", prefix, NOW, 100);
    const first = await pages.next();
    expect(first.value).toHaveLength(100);
    expect(requestedKeys).toEqual([
      `${prefix}/manifest-summary.json`,
      `${prefix}/manifest-files.json`,
      dataKeys[0],
    ]);
    await pages.return(undefined);
  });

  it("reads manifests whose keys leave the export prefix out (the documentation's example form)", async () => {
    const prefix = "exports/AWSDynamoDB/01764403200002-c3d4e5f6";
    const files = [[row(1, undefined).row, row(2, nowSeconds - 1).row], [row(3, nowSeconds + 60).row]];
    await writeTableExport(s3, "models", prefix, files, { s3Prefix: "exports", keysWithoutPrefix: true });

    const { events } = await collect(readTableExport(s3, "models", prefix, NOW));
    expect(events.map((e) => e.eventId).sort()).toEqual(["ev-00001", "ev-00003"]);
  });

  it("fails loudly on a data file that is not gzip", async () => {
    const prefix = "exports/AWSDynamoDB/01764403200003-d4e5f6a7";
    const { dataKeys } = await writeTableExport(s3, "models", prefix, [[row(1, undefined).row]], {
      s3Prefix: "exports",
    });
    const { PutObjectCommand } = await import("@aws-sdk/client-s3");
    await s3.send(new PutObjectCommand({ Bucket: "models", Key: dataKeys[0], Body: '{"Item":{}}\n' }));
    await expect(collect(readTableExport(s3, "models", prefix, NOW))).rejects.toThrow(/header|gzip/i);
  });
});

describe("exportTable (real DynamoDB client against a local JSON 1.0 server)", () => {
  let fake: DynamoExportServer;
  let ddb: DynamoDBClient;

  beforeAll(async () => {
    fake = await startDynamoExportServer({ tables: { events: { itemCount: 3_000_000 } } });
    ddb = new DynamoDBClient({
      region: "us-east-1",
      endpoint: fake.url,
      credentials: { accessKeyId: "test", secretAccessKey: "test" },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    ddb.destroy();
    await fake.close();
  });

  it("starts a DYNAMODB_JSON export and polls DescribeExport from IN_PROGRESS until COMPLETED", async () => {
    fake.options = { tables: { events: { itemCount: 3_000_000 } }, inProgressChecks: 2 };
    fake.calls.length = 0;
    const done = await exportTable(ddb, {
      tableArn: fake.tableArn("events"),
      bucket: "models",
      prefix: "exports",
      pollMs: 1,
    });

    const [start, ...describes] = fake.calls;
    expect(start).toEqual({
      operation: "ExportTableToPointInTime",
      body: {
        TableArn: fake.tableArn("events"),
        S3Bucket: "models",
        S3Prefix: "exports",
        ExportFormat: "DYNAMODB_JSON",
        ExportType: "FULL_EXPORT",
        // filled in by the SDK: a retried request cannot start a second export
        ClientToken: expect.any(String),
      },
    });
    expect(describes.map((c) => c.operation)).toEqual(["DescribeExport", "DescribeExport", "DescribeExport"]);
    const job = fake.exports.at(-1)!;
    expect(describes.every((c) => c.body.ExportArn === job.exportArn)).toBe(true);
    expect(done).toEqual({
      exportArn: job.exportArn,
      bucket: "models",
      manifestKey: `exports/AWSDynamoDB/${job.exportId}/manifest-summary.json`,
      manifestPrefix: `exports/AWSDynamoDB/${job.exportId}`,
      itemCount: 3_000_000,
    });
  });

  it("throws with DynamoDB's FailureMessage when the export FAILED", async () => {
    fake.options = {
      tables: { events: { itemCount: 10 } },
      inProgressChecks: 1,
      outcome: { status: "FAILED", code: "S3AccessDenied", message: "Access Denied to bucket models" },
    };
    await expect(
      exportTable(ddb, { tableArn: fake.tableArn("events"), bucket: "models", prefix: "exports", pollMs: 1 }),
    ).rejects.toThrow(/failed: S3AccessDenied: Access Denied to bucket models/);
  });

  it("gives up, naming the export, when it is still IN_PROGRESS at the deadline", async () => {
    fake.options = { tables: { events: { itemCount: 10 } }, inProgressChecks: Number.MAX_SAFE_INTEGER };
    const failure = exportTable(ddb, {
      tableArn: fake.tableArn("events"),
      bucket: "models",
      prefix: "exports",
      pollMs: 5,
      maxWaitMs: 20,
    });
    await expect(failure).rejects.toThrow(/table export arn:aws:dynamodb:.*\/export\/.* still IN_PROGRESS/);
  });

  it("surfaces DynamoDB's refusal when the table has no point-in-time recovery", async () => {
    fake.options = { tables: { events: { itemCount: 10, pitr: false } } };
    await expect(
      exportTable(ddb, { tableArn: fake.tableArn("events"), bucket: "models", prefix: "exports" }),
    ).rejects.toMatchObject({ name: "PointInTimeRecoveryUnavailableException" });
  });
});
