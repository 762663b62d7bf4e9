import { readEventsCsv } from "../events/csv";
import { trainModel } from "../jobs/train";
import { familiesFlag, type Run } from "./args";
import { withApp } from "./common";
import { RowReport } from "./csv-report";
import { progressPrinter } from "./progress";

export const run: Run = (values) =>
  withApp(async (app) => {
    const [family] = familiesFlag(values, false);
    const file = values.events as string | undefined;
    const report = file ? new RowReport(file) : undefined;
    const progress = progressPrinter("rows");
    /** The file's pages, then the progress line's last word before training starts. */
    async function* pages(path: string) {
      yield* readEventsCsv(path, app.config.events, {
        onRowError: report!.onRowError,
        onProgress: progress.update,
      });
      progress.done();
    }
    const csv = file ? pages(file) : undefined;
    const result = await trainModel(app, { family, force: Boolean(values.force), csv, print: console.log });
    if (report?.skipped) console.error(`${file}: ${report.summary()}`);
    return result.promoted ? 0 : 1;
  });
