import type { App } from "../app";
import { generateDemoData } from "../demo/synthetic";
import { InputError } from "../domain/errors";
import { FAMILY_NAMES, type FamilyName } from "../factors/types";
import { importEvents } from "./import-events";
import { readInteractions, trainModels } from "./train";

export interface SeedOptions {
  users: number;
  items: number;
  seed: number;
}

export interface SeedReport {
  items: number;
  events: number;
  users: number;
}

/** Writes the synthetic demo catalog and event stream through the same stores the server uses. */
export async function seedDemoData(app: App, options: SeedOptions): Promise<SeedReport> {
  const data = generateDemoData(options);
  await app.stores.items.putMany(data.items);
  const { weights } = app.config.events;
  await importEvents(app, [data.events.map((e) => ({ ...e, weight: weights[e.type] }))]);
  return { items: data.items.length, events: data.events.length, users: options.users };
}

/**
 * `npm start` on an empty events table: demo data and a first model of each in-process family, so
 * the first query is personalised whichever of them RECS_STRATEGY or RECS_AB names. A family that
 * refuses the data (EASE above its size limit, with SEED_USERS and SEED_ITEMS in the thousands) is left
 * untrained with a warning: its strategy falls back, and the server still starts.
 */
export async function seedIfEmpty(app: App): Promise<void> {
  const { seed } = app.config;
  if (!seed.onStart || !(await app.stores.events.isEmpty())) return;
  app.log.info("events table is empty: seeding demo data", { users: seed.users, items: seed.items });
  const seeded = await seedDemoData(app, seed);
  const print = (line: string) => app.log.info(line);
  const matrix = await readInteractions(app, {}, print);
  const itemCategories = await app.stores.items.categories();
  const modelVersions: Partial<Record<FamilyName, string>> = {};
  for (const family of FAMILY_NAMES) {
    try {
      const [report] = await trainModels(app, { families: [family], force: true, matrix, itemCategories });
      modelVersions[family] = report!.version;
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      app.log.warn("demo model not trained", { family, reason: error.message });
    }
  }
  app.log.info("demo data ready", { ...seeded, modelVersions });
}
