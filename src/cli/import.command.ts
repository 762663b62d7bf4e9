import { readEventsCsv } from "../events/csv";
import { readItemsCsv } from "../events/items-csv";
import { importEvents } from "../jobs/import-events";
import { intFlag, UsageError, type Run } from "./args";
import { withApp } from "./common";
import { fileDigest, RowReport } from "./csv-report";
import { progressPrinter } from "./progress";

export const run: Run = async (values) => {
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
};
