/**
 * One training run in its own process, mirroring nmf_sklearn.py: reads IN_DIR/train.tsv, trains,
 * writes the fit time, peak memory and each user's top-10 unseen items (by user index) to OUT_JSON.
 * Usage: tsx nmf-train-worker.ts IN_DIR OUT_JSON COMPONENTS ITERATIONS
 */
import { readFileSync, writeFileSync } from "node:fs";
import { interactionMatrix } from "../../src/factors/sparse";
import { trainNmf } from "../../src/nmf/train";
import type { Interaction } from "../../src/factors/types";

const [inDir, outPath, components, iterations] = process.argv.slice(2);
const shape = JSON.parse(readFileSync(`${inDir}/shape.json`, "utf8")) as { users: number; items: number };
const train: Interaction[] = readFileSync(`${inDir}/train.tsv`, "utf8")
  .trim()
  .split("\n")
  .map((line) => {
    const [u, i, w] = line.split("\t");
    return { userId: u!.padStart(7, "0"), itemId: i!.padStart(7, "0"), weight: Number(w) };
  });
const started = performance.now();
const model = trainNmf(interactionMatrix(train), {
  components: Number(components),
  iterations: Number(iterations),
  l2: 0.05,
  l1: 0,
  seed: 42,
});
const fitSeconds = (performance.now() - started) / 1000;
const seen = new Map<string, Set<string>>();
for (const x of train) seen.set(x.userId, (seen.get(x.userId) ?? new Set()).add(x.itemId));
const top: number[][] = [];
for (let u = 0; u < shape.users; u++) {
  const userId = String(u).padStart(7, "0");
  const vector = model.userVector(userId);
  const list = vector ? model.recommend(vector, 10, { exclude: seen.get(userId)! }) : [];
  top.push(list.map((s) => Number(s.itemId)));
}
const result = {
  fitSeconds,
  iterations: model.manifest.training.iterations,
  peakRssMb: process.resourceUsage().maxRSS / 1024,
  top,
};
writeFileSync(outPath!, JSON.stringify(result));
