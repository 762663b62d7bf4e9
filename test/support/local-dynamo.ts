import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig, type Config } from "../../src/config";
import { createApp, type App } from "../../src/app";
import { startEmbeddedDynamo, type EmbeddedDynamo } from "../../src/store/embedded";
import { ensureTables } from "../../src/store/tables";

/** In-memory dynalite shared by a test file; each test app gets its own tables (unique prefix). */
let shared: Promise<EmbeddedDynamo> | undefined;
let counter = 0;

export function localDynamo(): Promise<EmbeddedDynamo> {
  shared ??= startEmbeddedDynamo();
  return shared;
}

export interface TestApp {
  app: App;
  config: Config;
  close(): Promise<void>;
}

/** A real App (real SDK clients) on fresh dynalite tables; env overrides go through loadConfig. */
export async function createTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dynamo = await localDynamo();
  const prefix = `t${process.pid}-${++counter}`;
  const config = loadConfig({
    STAGE: "local",
    LOG_LEVEL: "silent",
    SEED_ON_START: "false",
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    ITEMS_TABLE: `${prefix}-items`,
    EVENTS_TABLE: `${prefix}-events`,
    USERS_TABLE: `${prefix}-users`,
    STATS_TABLE: `${prefix}-stats`,
    MODEL_URI: fs.mkdtempSync(path.join(os.tmpdir(), "recs-models-")),
    AWS_REGION: "us-east-1",
    ...env,
  });
  const app = createApp(config);
  await ensureTables(app.db, config.dynamo.tables);
  return { app, config, close: () => app.close() };
}
