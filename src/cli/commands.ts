import fs from "node:fs";
import { createApp, type App } from "../app";
import { loadConfig } from "../config";
import { parseEventsCsv, type CsvRowError } from "../events/csv";
import { parseItemsCsv } from "../events/items-csv";
import { applyEvents } from "../jobs/apply-events";
import { prepareLocalStore } from "../jobs/local-setup";
import { seedDemoData } from "../jobs/seed";
import { trainModel } from "../jobs/train";
import { UsageError, intFlag, type Flags } from "./args";
import { evaluateCommand } from "./evaluate.command";
import { exportXgboostCommand, featuresCommand } from "./features.command";
import { sagemakerLocalCommand } from "./sagemaker.command";

type Values = Record<string, string | boolean | undefined>;

export interface Command {
  summary: string;
  flags: Flags;
  run(values: Values): Promise<number>;
}

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

function reportRowErrors(file: string, errors: CsvRowError[]): void {
  for (const e of errors.slice(0, 50)) console.error(`${file}:${e.line}: ${e.message} (skipped)`);
  if (errors.length > 50) console.error(`${file}: ${errors.length - 50} more rows skipped`);
}

export const commands: Record<string, Command> = {
  seed: {
    summary: "write a synthetic demo catalog and event stream, then train a model",
    flags: {
      users: { type: "string", help: "number of users (default SEED_USERS, 500)" },
      items: { type: "string", help: "number of items (default SEED_ITEMS, 1000)" },
      seed: { type: "string", help: "random seed (default 42)" },
      "no-train": { type: "boolean", help: "only write the data" },
    },
    run: (values) =>
      withApp(async (app) => {
        const options = {
          users: intFlag(values, "users", 1, 1_000_000) ?? app.config.seed.users,
          items: intFlag(values, "items", 10, 1_000_000) ?? app.config.seed.items,
          seed: intFlag(values, "seed", 0, 2 ** 31) ?? app.config.seed.seed,
        };
        const seeded = await seedDemoData(app, options);
        console.log(`seeded ${seeded.items} items, ${seeded.users} users, ${seeded.events} events`);
        if (values["no-train"]) return 0;
        const report = await trainModel(app, { force: true, print: console.log });
        return report.promoted ? 0 : 1;
      }),
  },

  import: {
    summary: "import a catalog and/or events from CSV files (bad rows are reported and skipped)",
    flags: {
      events: { type: "string", help: "events CSV: userId,itemId,timestamp,eventType|rating[,value]" },
      items: { type: "string", help: "catalog CSV: itemId[,title,category,price,imageUrl]" },
    },
    run: async (values) => {
      const eventsFile = values.events as string | undefined;
      const itemsFile = values.items as string | undefined;
      if (!eventsFile && !itemsFile) throw new UsageError("give --events FILE and/or --items FILE");
      const config = loadConfig();
      const items = itemsFile ? parseItemsCsv(readText(itemsFile)) : undefined;
      const events = eventsFile ? parseEventsCsv(readText(eventsFile), config.events) : undefined;
      if (itemsFile && items) reportRowErrors(itemsFile, items.errors);
      if (eventsFile && events) reportRowErrors(eventsFile, events.errors);
      await withApp(async (app) => {
        // The catalog first, so that popularity counters of the events get their categories.
        if (items) await app.stores.items.putMany(items.items);
        if (events) await applyEvents(app, events.events);
      });
      if (items) console.log(`imported ${items.items.length} items (${items.errors.length} rows skipped)`);
      if (events)
        console.log(`imported ${events.events.length} events (${events.errors.length} rows skipped)`);
      return 0;
    },
  },

  train: {
    summary: "train an NMF model from the events table (or a CSV), validate it and promote it",
    flags: {
      events: { type: "string", help: "train from this events CSV instead of the events table" },
      force: { type: "boolean", help: "promote even when the validation gate refuses" },
    },
    run: (values) =>
      withApp(async (app) => {
        const file = values.events as string | undefined;
        const events = file ? parseEventsCsv(readText(file), app.config.events) : undefined;
        if (file && events) reportRowErrors(file, events.errors);
        const report = await trainModel(app, {
          force: Boolean(values.force),
          events: events?.events,
          print: console.log,
        });
        return report.promoted ? 0 : 1;
      }),
  },

  evaluate: evaluateCommand,
  features: featuresCommand,
  "export-xgboost": exportXgboostCommand,
  "sagemaker-local": sagemakerLocalCommand,
};
