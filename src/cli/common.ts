import { createApp, type App } from "../app";
import { loadConfig } from "../config";
import { FeatureStore } from "../ranker/features/feature.store";
import { prepareLocalStore } from "../jobs/local-setup";

// What several command implementations share. Only implementations import this module: it loads the app
// (AWS SDK, dynalite), which `recs --help` must not.

/** Runs a job against the configured store (embedded dynalite on DATA_DIR by default). */
export async function withApp<T>(job: (app: App) => Promise<T>): Promise<T> {
  const local = await prepareLocalStore(loadConfig());
  // Jobs write many users once each and serve no reads: a user-state cache would only hold memory.
  const app = createApp({ ...local.config, users: { cacheSeconds: 0 } });
  try {
    await Promise.all([local.ensureTables(app), app.secrets.refresh()]);
    return await job(app);
  } finally {
    await app.close();
    await local.close();
  }
}

export const featureStore = (app: App): FeatureStore =>
  new FeatureStore(app.db, app.config.dynamo.tables.stats);
