/**
 * bench:nmf — our NMF against scikit-learn's on the same matrices, whole process vs whole process,
 * plus per-request scoring, fold-in and related-items latency. Prints figures; asserts nothing.
 * Each training runs in a child process (its own peak memory); both read the same train.tsv and
 * write each user's top-10, which one evaluation (75/25 per-user split, binary relevance) scores.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config";
import { evaluateRanker, popularityRanker, splitPerUser, type Split } from "../../src/factors/evaluate";
import { FactorModel } from "../../src/factors/model";
import { seededRandom } from "../../src/factors/random";
import { nmf } from "../../src/nmf/train";
import { interactionMatrix, type InteractionMatrix } from "../../src/factors/sparse";
import type { Interaction } from "../../src/factors/types";
import { BENCH_CASES as CASES, plantedInteractions } from "../unit/factors/planted-data";
import { eventsCsv } from "./events-csv";

const PYTHON = "/usr/bin/python3";
const config = loadConfig({});
const COMPONENTS = Number(process.env.BENCH_COMPONENTS ?? 15);
const ITERATIONS = 200;

interface RunResult {
  fitSeconds: number;
  iterations: number;
  peakRssMb?: number;
  wallSeconds: number;
  top: number[][];
}

function run(command: string, args: string[], outPath: string): RunResult | string {
  const started = performance.now();
  const child = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  const wallSeconds = (performance.now() - started) / 1000;
  if (child.status !== 0) return `${command} failed: ${child.stderr.slice(-500)}`;
  const out = JSON.parse(readFileSync(outPath, "utf8")) as Omit<RunResult, "wallSeconds">;
  return { ...out, wallSeconds };
}

function listRanker(top: number[][]): (userId: string) => string[] {
  return (userId) => (top[Number(userId)] ?? []).map((i) => String(i).padStart(7, "0"));
}

function benchTraining(): void {
  const hasSklearn = spawnSync(PYTHON, ["-c", "import sklearn"]).status === 0;
  if (!hasSklearn) console.log(`(scikit-learn missing under ${PYTHON}: apt-get install -y python3-sklearn)`);
  for (const { name, spec } of CASES) {
    const data = plantedInteractions(spec).map((x) => ({
      ...x,
      userId: x.userId.slice(1).padStart(7, "0"),
      itemId: x.itemId.slice(1).padStart(7, "0"),
    }));
    const split = splitPerUser(interactionMatrix(data), 0.75, 7);
    const train = entriesOf(split.train);
    const dir = mkdtempSync(path.join(tmpdir(), "bench-nmf-"));
    writeFileSync(path.join(dir, "shape.json"), JSON.stringify({ users: spec.users, items: spec.items }));
    writeFileSync(
      path.join(dir, "train.tsv"),
      train.map((x) => `${+x.userId}\t${+x.itemId}\t${x.weight}`).join("\n"),
    );
    console.log(
      `\n${name}: ${data.length} interactions, train ${train.length}, test ${split.test.values.length}, ${COMPONENTS} components`,
    );
    const popularity = evaluateRanker(split, popularityRanker(split.train));
    console.log(row("popularity", undefined, popularity.ndcg, popularity.precision, popularity.coverage));
    const settings = [String(COMPONENTS), String(ITERATIONS)];
    const oursOut = path.join(dir, "ours.json");
    const worker = path.join(__dirname, "nmf-train-worker.ts");
    report(
      "ours (tsx)",
      run(process.execPath, ["--import", "tsx", worker, dir, oursOut, ...settings], oursOut),
      split,
    );
    if (hasSklearn) {
      const theirsOut = path.join(dir, "sklearn.json");
      report(
        "scikit-learn nndsvda",
        run(PYTHON, [path.join(__dirname, "nmf_sklearn.py"), dir, theirsOut, ...settings], theirsOut),
        split,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The entries of a matrix as interactions (the quick cases are small). */
function entriesOf(m: InteractionMatrix): Interaction[] {
  const out: Interaction[] = [];
  for (let u = 0; u < m.userIds.length; u++)
    for (let p = m.rowPtr[u]!; p < m.rowPtr[u + 1]!; p++)
      out.push({ userId: m.userIds[u]!, itemId: m.itemIds[m.colIdx[p]!]!, weight: m.values[p]! });
  return out;
}

function report(label: string, result: RunResult | string, split: Split): void {
  if (typeof result === "string") return console.log(`  ${label}: ${result}`);
  const rank = listRanker(result.top);
  const metrics = evaluateRanker(split, (userId) => rank(userId));
  console.log(row(label, result, metrics.ndcg, metrics.precision, metrics.coverage));
}

function row(
  label: string,
  r: RunResult | undefined,
  ndcg: number,
  precision: number,
  coverage: number,
): string {
  const timing = r
    ? `fit ${r.fitSeconds.toFixed(2)} s (${r.iterations} it), whole process ${r.wallSeconds.toFixed(2)} s` +
      (r.peakRssMb ? `, peak RSS ${r.peakRssMb.toFixed(0)} MB` : "")
    : "";
  return `  ${label.padEnd(22)} NDCG@10 ${ndcg.toFixed(4)}  P@10 ${precision.toFixed(4)}  coverage ${coverage.toFixed(3)}  ${timing}`;
}

/** Per-request latency on a 20k-item, 64-factor model: scoring + top-10, fold-in, related. */
function benchServing(): void {
  const items = 20_000;
  const k = 64;
  const random = seededRandom(1);
  const itemFactors = Float32Array.from({ length: items * k }, () => random());
  const model = new FactorModel(
    {
      format: 1,
      family: "NMF",
      version: "bench",
      createdAt: new Date().toISOString(),
      params: { components: k, iterations: 1, l2: 0.05, l1: 0, seed: 1, tolerance: 1e-4 },
      training: { users: 0, items, interactions: 0, iterations: 0, loss: 0, durationMs: 0 },
      userIds: [],
      itemIds: Array.from({ length: items }, (_, i) => `item-${i}`),
      itemCategories: Array.from({ length: items }, (_, i) => `c${i % 10}`),
    },
    { userFactors: new Float32Array(0), itemFactors },
    nmf,
  );
  const exclude = new Set(Array.from({ length: 30 }, (_, i) => `item-${i * 7}`));
  const vectors = Array.from({ length: 2000 }, () => Float32Array.from({ length: k }, () => random()));
  const histories = vectors.map(
    () =>
      new Map(
        Array.from({ length: 20 }, () => [
          `item-${Math.floor(random() * items)}`,
          1 + Math.floor(random() * 5),
        ]),
      ),
  );
  console.log(`
serving, ${items} items x ${k} factors (2,000 requests each)`);
  console.log(
    `  recommend top-10           median ${median(vectors.map((v) => timed(() => model.recommend(v, 10, { exclude }))))} ms`,
  );
  console.log(
    `  recommend top-10, category median ${median(vectors.map((v) => timed(() => model.recommend(v, 10, { exclude, category: "c3" }))))} ms`,
  );
  console.log(
    `  fold-in (20 items)         median ${median(histories.map((h) => timed(() => model.foldIn(h))))} ms`,
  );
  console.log(
    `  related top-10             median ${median(vectors.map((_, i) => timed(() => model.related(`item-${i}`, 10, { exclude }))))} ms`,
  );
}

function timed(run: () => unknown): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

function median(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!.toFixed(3);
}

console.log(
  `bench:nmf on ${process.platform}/${process.arch}, node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}`,
);
if (process.env.BENCH_SCALE === "1") void benchScale();
else {
  benchServing();
  benchTraining();
}

/**
 * BENCH_SCALE=1 (npm run bench:nmf:5m): the real-size case only. A 5,000,000-event CSV (Zipf items over
 * 20,000, lognormal activity over 120,000 users, view/add_to_cart/purchase 90/7/3), written once to the
 * temp dir and reused; k=32, 200 iterations; each run in its own process, whole process against whole
 * process: ours with 1 thread and with availableParallelism() threads, ALS at its default size,
 * `recs train --events FILE --force` end to end (also validates on a held-out split, so it trains twice,
 * and saves the model), scikit-learn.
 */
async function benchScale(): Promise<void> {
  const rows = Number(process.env.BENCH_SCALE_ROWS ?? 5_000_000);
  const k = 32;
  const file = await eventsCsv({ rows, users: 120_000, items: 20_000, seed: 1 });
  const dir = mkdtempSync(path.join(tmpdir(), "bench-nmf-scale-"));
  const threads = availableParallelism();
  const settings = [String(k), String(ITERATIONS)];
  console.log(`\n${rows.toLocaleString("en")} events from ${file}, k=${k}, ${ITERATIONS} iterations`);
  const results: Array<{ label: string; wall: number; fit?: number; rss?: number; note?: string }> = [];
  const timedChild = (label: string, command: string, args: string[], env?: NodeJS.ProcessEnv) => {
    const started = performance.now();
    const child = spawnSync("/usr/bin/time", ["-v", command, ...args], {
      encoding: "utf8",
      maxBuffer: 1 << 26,
      env: env ?? process.env,
    });
    const wall = (performance.now() - started) / 1000;
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr)?.[1];
    if (child.status !== 0) console.log(`  ${label} failed (${child.status}): ${child.stderr.slice(-1500)}`);
    return {
      wall,
      rssMb: rss ? Number(rss) / 1024 : undefined,
      stdout: child.stdout,
      ok: child.status === 0,
    };
  };
  const worker = path.join(__dirname, "nmf-csv-worker.ts");
  for (const t of [1, threads]) {
    const out = path.join(dir, `ours-${t}.json`);
    const label = `ours, threads=${t}`;
    const run = timedChild(label, process.execPath, [
      "--import",
      "tsx",
      worker,
      file,
      out,
      ...settings,
      String(t),
    ]);
    if (!run.ok) continue;
    const r = JSON.parse(readFileSync(out, "utf8")) as ScaleResult;
    console.log(
      `  ${label}: ${describe(r)}, whole process ${run.wall.toFixed(1)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB (time -v ${run.rssMb?.toFixed(0)} MB)`,
    );
    results.push({ label, wall: run.wall, fit: r.fitSeconds, rss: run.rssMb ?? r.peakRssMb });
  }
  // ALS at its default size, on as many threads as the fastest NMF run.
  const alsOut = path.join(dir, "als.json");
  const alsSettings = [String(config.als.components), String(config.als.iterations)];
  const alsLabel = `ALS k=${alsSettings[0]}, ${alsSettings[1]} epochs, threads=${threads}`;
  const alsRun = timedChild(alsLabel, process.execPath, [
    "--import",
    "tsx",
    worker,
    file,
    alsOut,
    ...alsSettings,
    String(threads),
    "ALS",
  ]);
  if (alsRun.ok) {
    const r = JSON.parse(readFileSync(alsOut, "utf8")) as ScaleResult;
    console.log(
      `  ${alsLabel}: ${describe(r)}, whole process ${alsRun.wall.toFixed(1)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB (time -v ${alsRun.rssMb?.toFixed(0)} MB)`,
    );
    results.push({ label: alsLabel, wall: alsRun.wall, fit: r.fitSeconds, rss: alsRun.rssMb ?? r.peakRssMb });
  }
  const one = results.find((r) => r.label === "ours, threads=1");
  const many = results.find((r) => r.label === `ours, threads=${threads}`);
  if (one?.fit && many?.fit && threads > 1)
    console.log(
      `  multi-thread speed-up (fit, threads=1 / threads=${threads}): ${(one.fit / many.fit).toFixed(2)}x`,
    );

  const recs = path.join(__dirname, "..", "..", "bin", "recs.js");
  const env = {
    ...process.env,
    DATA_DIR: path.join(dir, "data"),
    MODEL_URI: path.join(dir, "models"),
    SEED_ON_START: "false",
    NMF_COMPONENTS: String(k),
    NMF_ITERATIONS: String(ITERATIONS),
  };
  const train = timedChild("recs train", process.execPath, [recs, "train", "--events", file, "--force"], env);
  if (train.ok) {
    console.log(
      `  recs train --events FILE --force: whole process ${train.wall.toFixed(1)} s, peak RSS ${train.rssMb?.toFixed(0)} MB; its output:`,
    );
    for (const line of train.stdout
      .trim()
      .split("\n")
      .filter((l) => !/^\s+epoch /.test(l)))
      console.log(`    | ${line}`);
    results.push({
      label: "recs train (end to end)",
      wall: train.wall,
      rss: train.rssMb,
      note: "trains twice",
    });
  }

  const hasSklearn = spawnSync(PYTHON, ["-c", "import sklearn"]).status === 0;
  if (hasSklearn) {
    const out = path.join(dir, "sklearn.json");
    const run = timedChild("scikit-learn", PYTHON, [
      path.join(__dirname, "nmf_sklearn_csv.py"),
      file,
      out,
      ...settings,
    ]);
    if (run.ok) {
      const r = JSON.parse(readFileSync(out, "utf8")) as ScaleResult;
      console.log(
        `  scikit-learn nndsvda: ${describe(r)}, whole process ${run.wall.toFixed(1)} s, peak RSS ${r.peakRssMb.toFixed(0)} MB (time -v ${run.rssMb?.toFixed(0)} MB)`,
      );
      results.push({
        label: "scikit-learn nndsvda",
        wall: run.wall,
        fit: r.fitSeconds,
        rss: run.rssMb ?? r.peakRssMb,
      });
    }
  } else console.log(`  (scikit-learn missing under ${PYTHON}: apt-get install -y python3-sklearn)`);

  const sk = results.find((r) => r.label.startsWith("scikit-learn"));
  const ratio = (a?: number, b?: number) => (a && b ? `${(a / b).toFixed(2)}x` : "-");
  console.log(
    `\n  ${"run".padEnd(34)} ${"wall s".padStart(8)} ${"fit s".padStart(8)} ${"peak RSS MB".padStart(12)}   wall/sk  fit/sk  RSS/sk`,
  );
  for (const r of results) {
    console.log(
      `  ${r.label.padEnd(34)} ${r.wall.toFixed(1).padStart(8)} ${(r.fit?.toFixed(1) ?? "-").padStart(8)} ${(r.rss?.toFixed(0) ?? "-").padStart(12)}   ` +
        `${ratio(r.wall, sk?.wall).padStart(7)} ${ratio(r.fit, sk?.fit).padStart(7)} ${ratio(r.rss, sk?.rss).padStart(7)}`,
    );
  }
  console.log("  (peak RSS: the child's maximum resident set size from /usr/bin/time -v)");
  rmSync(dir, { recursive: true, force: true });
}

interface ScaleResult {
  events: number;
  users: number;
  items: number;
  pairs: number;
  readSeconds: number;
  fitSeconds: number;
  iterations: number;
  peakRssMb: number;
}

function describe(r: ScaleResult): string {
  return `${r.users} users x ${r.items} items, ${r.pairs} pairs; read ${r.readSeconds.toFixed(1)} s, fit ${r.fitSeconds.toFixed(1)} s (${r.iterations} it)`;
}
