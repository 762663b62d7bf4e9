/**
 * One training run at real size in its own process, the way `recs train --events` reads a file:
 * streams the events CSV through readEventsCsv into an InteractionLog, builds the matrix, trains.
 * Writes the read and fit times, iterations and peak RSS to OUT_JSON.
 * Usage: tsx nmf-csv-worker.ts CSV OUT_JSON COMPONENTS ITERATIONS THREADS [FAMILY]
 * FAMILY is NMF (default) or ALS, whose regularization and alpha are the configured defaults.
 */
import { writeFileSync } from "node:fs";
import { loadConfig } from "../../src/config";
import { readEventsCsv } from "../../src/events/csv";
import { InteractionLog } from "../../src/factors/sparse";
import { trainAls } from "../../src/als/train";
import { trainNmf } from "../../src/nmf/train";

const [csv, outPath, components, iterations, threads, family = "NMF"] = process.argv.slice(2);
const config = loadConfig({});
const rules = config.events;

async function main(): Promise<void> {
  const started = performance.now();
  const log = new InteractionLog();
  let events = 0;
  for await (const page of readEventsCsv(csv!, rules)) {
    for (const e of page) log.add(e.userId, e.itemId, e.weight);
    events += page.length;
  }
  const matrix = log.toMatrix();
  const readSeconds = (performance.now() - started) / 1000;
  const fitStarted = performance.now();
  const shape = { components: Number(components), iterations: Number(iterations), seed: 42 };
  const model =
    family === "ALS"
      ? trainAls(
          matrix,
          { ...shape, regularization: config.als.regularization, alpha: config.als.alpha },
          { threads: Number(threads) },
        )
      : trainNmf(matrix, { ...shape, l2: 0.05, l1: 0 }, { threads: Number(threads) });
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  const result = {
    events,
    users: matrix.userIds.length,
    items: matrix.itemIds.length,
    pairs: matrix.values.length,
    readSeconds,
    fitSeconds,
    iterations: model.manifest.training.iterations,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  writeFileSync(outPath!, JSON.stringify(result));
}

void main();
