import type { App } from "../app";
import { generateDemoData } from "../demo/synthetic";
import { FAMILY_NAMES } from "../factors/types";
import { importEvents } from "./import-events";
import { trainModels } from "./train";

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
 * the first query is personalised whichever of them RECS_STRATEGY or RECS_AB names.
 */
export async function seedIfEmpty(app: App): Promise<void> {
  const { seed } = app.config;
  if (!seed.onStart || !(await app.stores.events.isEmpty())) return;
  app.log.info("events table is empty: seeding demo data", { users: seed.users, items: seed.items });
  const seeded = await seedDemoData(app, seed);
  const trained = await trainModels(app, { families: FAMILY_NAMES, force: true });
  const modelVersions = Object.fromEntries(FAMILY_NAMES.map((family, i) => [family, trained[i]!.version]));
  app.log.info("demo data ready", { ...seeded, modelVersions });
}
