/**
 * One training run at real size in its own process, the way `recs train --events` reads a file:
 * streams the events CSV through readEventsCsv into an InteractionLog, builds the matrix, trains.
 * Writes the read and fit times, iterations and peak RSS to OUT_JSON.
 * Usage: tsx nmf-csv-worker.ts CSV OUT_JSON COMPONENTS ITERATIONS THREADS
 */
import { writeFileSync } from "node:fs";
import { loadConfig } from "../../src/config";
import { readEventsCsv } from "../../src/events/csv";
import { InteractionLog } from "../../src/factors/sparse";
import { trainNmf } from "../../src/nmf/train";

const [csv, outPath, components, iterations, threads] = process.argv.slice(2);
const rules = loadConfig({}).events;

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
  const model = trainNmf(
    matrix,
    { components: Number(components), iterations: Number(iterations), l2: 0.05, l1: 0, seed: 42 },
    { threads: Number(threads) },
  );
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
