import fs from "node:fs";
import { createApp, type App } from "../app";
import { loadConfig } from "../config";
import type { CsvRowError } from "../events/csv";
import { FeatureStore } from "../features/feature.store";
import { prepareLocalStore } from "../jobs/local-setup";
import { UsageError } from "./args";

// What several command implementations share. Only implementations import this module: it loads the app
// (AWS SDK, dynalite), which `recs --help` must not.

/** Runs a job against the configured store (embedded dynalite on DATA_DIR by default). */
export async function withApp<T>(job: (app: App) => Promise<T>): Promise<T> {
  const local = await prepareLocalStore(loadConfig());
  const app = createApp(local.config);
  try {
    await local.ensureTables(app);
    return await job(app);
  } finally {
    await app.close();
    await local.close();
  }
}

export function readText(path: string): string {
  try {
    return fs.readFileSync(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

export function reportRowErrors(file: string, errors: CsvRowError[]): void {
  for (const e of errors.slice(0, 50)) console.error(`${file}:${e.line}: ${e.message} (skipped)`);
  if (errors.length > 50) console.error(`${file}: ${errors.length - 50} more rows skipped`);
}

export const featureStore = (app: App): FeatureStore =>
  new FeatureStore(app.db, app.config.dynamo.tables.stats);
