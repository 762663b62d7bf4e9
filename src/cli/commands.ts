import { createApp, type App } from "../app";
import { loadConfig } from "../config";
import { readEventsCsv } from "../events/csv";
import { readItemsCsv } from "../events/items-csv";
import { importEvents } from "../jobs/import-events";
import { prepareLocalStore } from "../jobs/local-setup";
import { seedDemoData } from "../jobs/seed";
import { trainModel } from "../jobs/train";
import { UsageError, intFlag, type Flags } from "./args";
import { fileDigest, RowReport } from "./csv-report";
import { evaluateCommand } from "./evaluate.command";
import { progressPrinter } from "./progress";
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
  // Jobs write many users once each and serve no reads: a user-state cache would only hold memory.
  const app = createApp({ ...local.config, users: { cacheSeconds: 0 } });
  try {
    await local.ensureTables(app);
    return await job(app);
  } finally {
    await app.close();
    await local.close();
  }
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
    summary:
      "import a catalog and/or events from CSV files (plain or .gz; bad rows are reported and skipped)",
    flags: {
      events: { type: "string", help: "events CSV: userId,itemId,timestamp,eventType|rating[,value]" },
      items: { type: "string", help: "catalog CSV: itemId[,title,category,price,imageUrl]" },
      "keep-days": {
        type: "string",
        help: "keep these events this many days from now, 0 for ever (default EVENT_TTL_DAYS, 365)",
      },
      again: { type: "boolean", help: "import a file that was imported completely before once more" },
    },
    run: async (values) => {
      const eventsFile = values.events as string | undefined;
      const itemsFile = values.items as string | undefined;
      if (!eventsFile && !itemsFile) throw new UsageError("give --events FILE and/or --items FILE");
      const retentionDays = intFlag(values, "keep-days", 0, 36_500);
      return withApp(async (app) => {
        // The catalog first, so that popularity counters of the events get their categories.
        if (itemsFile) {
          const report = new RowReport(itemsFile);
          const progress = progressPrinter("rows");
          let items = 0;
          for await (const batch of readItemsCsv(itemsFile, {
            onRowError: report.onRowError,
            onProgress: progress.update,
          })) {
            await app.stores.items.putMany(batch);
            items += batch.length;
          }
          progress.done();
          console.log(`imported ${items} items; ${report.summary()}`);
        }
        if (!eventsFile) return 0;
        const report = new RowReport(eventsFile);
        const progress = progressPrinter("rows");
        const pages = readEventsCsv(eventsFile, app.config.events, {
          onRowError: report.onRowError,
          onProgress: progress.update,
        });
        const source = { importId: await fileDigest(eventsFile), name: eventsFile };
        const result = await importEvents(app, pages, {
          source,
          again: Boolean(values.again),
          retentionDays,
        });
        progress.done();
        if (result.alreadyDone) {
          const { derivedEvents, updatedAt } = result.alreadyDone;
          console.log(
            `${eventsFile} was imported completely on ${updatedAt} (${derivedEvents} events): nothing to do; --again imports it once more`,
          );
          return 0;
        }
        const resumed = result.resumedAfter
          ? ` (resumed after ${result.resumedAfter} events of an earlier run)`
          : "";
        const days = retentionDays ?? app.config.dynamo.eventTtlDays;
        console.log(
          `imported ${result.imported} events${resumed}, kept ${days === 0 ? "for ever" : `${days} days from now`}; ${report.summary()}`,
        );
        return 0;
      });
    },
  },

  train: {
    summary: "train an NMF model from the events table (or a CSV), validate it and promote it",
    flags: {
      events: {
        type: "string",
        help: "train from this events CSV (plain or .gz) instead of the events table",
      },
      force: { type: "boolean", help: "promote even when the validation gate refuses" },
    },
    run: (values) =>
      withApp(async (app) => {
        const file = values.events as string | undefined;
        const report = file ? new RowReport(file) : undefined;
        const progress = progressPrinter("rows");
        const csv = file
          ? readEventsCsv(file, app.config.events, {
              onRowError: report!.onRowError,
              onProgress: progress.update,
            })
          : undefined;
        const result = await trainModel(app, { force: Boolean(values.force), csv, print: console.log });
        if (report && report.skipped) console.error(`${file}: ${report.summary()}`);
        return result.promoted ? 0 : 1;
      }),
  },

  evaluate: evaluateCommand,
  features: featuresCommand,
  "export-xgboost": exportXgboostCommand,
  "sagemaker-local": sagemakerLocalCommand,
};
