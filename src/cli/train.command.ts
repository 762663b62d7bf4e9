import { parseEventsCsv } from "../events/csv";
import { trainModel } from "../jobs/train";
import type { Run } from "./commands";
import { readText, reportRowErrors, withApp } from "./common";

export const run: Run = (values) =>
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
  });
