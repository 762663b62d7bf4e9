import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp, type App } from "../../src/app";
import { loadConfig } from "../../src/config";
import { trainingEvents } from "../../src/jobs/training-events";
import { Logger } from "../../src/observability/logger";
import type { StoredEvent } from "../../src/store/events.store";
import { ensureTables } from "../../src/store/tables";
import { startDynamoExportServer, type DynamoExportServer } from "../support/dynamodb-export-server";
import { localDynamo } from "../support/local-dynamo";
import { startLocalS3, type LocalS3 } from "../support/local-s3";
import { writeTableExport } from "../support/table-export-files";

/**
 * The source switch: the table's events come from dynalite (a Scan); DescribeTable's ItemCount and the
 * export come from the local DynamoDB export server, whose export files (other events) land in s3rver.
 */
const tableEvents: StoredEvent[] = Array.from({ length: 40 }, (_, i) => ({
  eventId: `table-${i}`,
  userId: `user-${i % 5}`,
  itemId: `item-${i % 7}`,
  type: "VIEW",
  weight: 1,
  timestamp: Date.UTC(2026, 10, 1) + i * 1000,
}));
const exportRows = Array.from({ length: 25 }, (_, i) => ({
  eventId: `export-${i}`,
  userId: `user-${i % 5}`,
  itemId: `item-${i % 7}`,
  type: "PURCHASE",
  weight: 5,
  timestamp: Date.UTC(2026, 10, 1) + i * 1000,
  sk: `2026-11-01T00:00:${String(i).padStart(2, "0")}.000Z#export-${i}`,
}));

let local: LocalS3;
let s3: S3Client;
let fake: DynamoExportServer;
let fakeDynamo: DynamoDBClient;
let counter = 0;
const opened: App[] = [];

async function appWith(
  env: Record<string, string>,
): Promise<{ app: App; logs: Array<Record<string, unknown>> }> {
  const dynamo = await localDynamo();
  const prefix = `te${process.pid}-${++counter}`;
  const config = loadConfig({
    STAGE: "local",
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    ITEMS_TABLE: `${prefix}-items`,
    EVENTS_TABLE: `${prefix}-events`,
    USERS_TABLE: `${prefix}-users`,
    STATS_TABLE: `${prefix}-stats`,
    MODEL_URI: mkdtempSync(path.join(tmpdir(), "recs-models-")),
    ...env,
  });
  const logs: Array<Record<string, unknown>> = [];
  const app = createApp(config, { log: new Logger("info", {}, (line) => logs.push(JSON.parse(line))) });
  opened.push(app);
  await ensureTables(app.db, config.dynamo.tables);
  await app.stores.events.putMany(tableEvents);
  return { app, logs };
}

async function ids(pages: AsyncIterable<StoredEvent[]>): Promise<string[]> {
  const out: string[] = [];
  for await (const page of pages) out.push(...page.map((e) => e.eventId));
  return out.sort();
}

beforeAll(async () => {
  local = await startLocalS3();
  s3 = local.s3;
  fake = await startDynamoExportServer({ tables: {} });
  fakeDynamo = new DynamoDBClient({
    region: "us-east-1",
    endpoint: fake.url,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((app) => app.close()));
});

afterAll(async () => {
  fakeDynamo.destroy();
  await fake.close();
  await local.close();
});

/** The export server answers DescribeTable for the app's events table with this ItemCount. */
function tableCounts(app: App, itemCount: number): void {
  fake.calls.length = 0;
  fake.options = {
    tables: { [app.config.dynamo.tables.events]: { itemCount } },
    inProgressChecks: 1,
    onCompleted: async (job) => {
      await writeTableExport(
        s3,
        job.bucket,
        job.manifestPrefix,
        [exportRows.slice(0, 10), exportRows.slice(10)],
        {
          s3Prefix: job.prefix,
          tableArn: job.tableArn,
        },
      );
    },
  };
}

describe("trainingEvents: Scan or table export, by RETRAIN_EXPORT_ABOVE_EVENTS", () => {
  it("scans the table while ItemCount is at or below the threshold, and says why", async () => {
    const { app, logs } = await appWith({
      RETRAIN_EXPORT_ABOVE_EVENTS: "1000",
      RETRAIN_EXPORT_URI: "s3://models/exports",
    });
    tableCounts(app, 1000);

    const source = await trainingEvents(app, { dynamo: fakeDynamo, s3, exportPollMs: 1 });

    expect(await ids(source)).toEqual(tableEvents.map((e) => e.eventId).sort());
    expect(fake.calls.map((c) => c.operation)).toEqual(["DescribeTable"]);
    expect(logs).toContainEqual(
      expect.objectContaining({
        msg: expect.stringMatching(/table scan/),
        itemCount: 1000,
        threshold: 1000,
      }),
    );
  });

  it("reads a table export to the configured bucket and prefix once ItemCount is above it", async () => {
    const { app, logs } = await appWith({
      RETRAIN_EXPORT_ABOVE_EVENTS: "1000",
      RETRAIN_EXPORT_URI: "s3://models/exports",
    });
    tableCounts(app, 1001);

    const source = await trainingEvents(app, { dynamo: fakeDynamo, s3, exportPollMs: 1 });

    expect(await ids(source)).toEqual(exportRows.map((r) => r.eventId).sort());
    const start = fake.calls.find((c) => c.operation === "ExportTableToPointInTime");
    expect(start?.body).toMatchObject({
      TableArn: fake.tableArn(app.config.dynamo.tables.events),
      S3Bucket: "models",
      S3Prefix: "exports",
      ExportFormat: "DYNAMODB_JSON",
    });
    expect(logs).toContainEqual(
      expect.objectContaining({
        msg: expect.stringMatching(/table export/),
        itemCount: 1001,
        threshold: 1000,
      }),
    );
  });

  it("scans, with a warning, when the table is above the threshold but no export location is configured", async () => {
    const { app, logs } = await appWith({ RETRAIN_EXPORT_ABOVE_EVENTS: "10" });
    tableCounts(app, 5_000);

    const source = await trainingEvents(app, { dynamo: fakeDynamo, s3, exportPollMs: 1 });

    expect(await ids(source)).toEqual(tableEvents.map((e) => e.eventId).sort());
    expect(fake.calls.map((c) => c.operation)).toEqual(["DescribeTable"]);
    expect(logs).toContainEqual(
      expect.objectContaining({ level: "warn", msg: expect.stringMatching(/no RETRAIN_EXPORT_URI/) }),
    );
  });
});
