import { loadConfig } from "../config";
import { parseEventsCsv } from "../events/csv";
import { parseItemsCsv } from "../events/items-csv";
import { applyEvents } from "../jobs/apply-events";
import { UsageError } from "./args";
import type { Run } from "./commands";
import { readText, reportRowErrors, withApp } from "./common";

export const run: Run = async (values) => {
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
  if (events) console.log(`imported ${events.events.length} events (${events.errors.length} rows skipped)`);
  return 0;
};
