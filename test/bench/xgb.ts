/**
 * npm run bench:xgb — in-process scoring of 500 candidates with a 100-tree, depth-6 model, and
 * the same 500 rows through the local endpoint with the real SDK. Prints median and p99 per call.
 * The model is random but valid (full depth-6 trees); nothing is written outside a temp dir.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { rowsToCsvChunks } from "../../src/ranker/endpoint-csv";
import { XgbEndpointScorer } from "../../src/ranker/endpoint-scorer";
import { startLocalEndpoint } from "../../tools/local-sagemaker-endpoint";
import { XgbModel } from "../../src/ranker/xgboost/model";
import { featureRows } from "../../src/ranker/xgboost/rows";
import { randomXgbModelJson } from "../support/random-xgb-model";

const TREES = 100;
const DEPTH = 6;
const FEATURES = 40;
const CANDIDATES = 500;
const IN_PROCESS_CALLS = 2_000;
const ENDPOINT_CALLS = 200;

process.env.AWS_ACCESS_KEY_ID ??= "bench";
process.env.AWS_SECRET_ACCESS_KEY ??= "bench";

let seed = 42;
function random(): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
}
const gaussian = (): number => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
const randomModelJson = (): object =>
  randomXgbModelJson({ trees: TREES, depth: DEPTH, features: FEATURES, random });

interface Timing {
  wallMs: number[];
  cpuMsPerCall: number;
}

/** Wall time per call, plus CPU time per call: on a shared machine the latter shows our own cost. */
function summary(label: string, { wallMs, cpuMsPerCall }: Timing): void {
  const sorted = [...wallMs].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  console.log(
    `${label.padEnd(40)} median ${at(0.5).toFixed(3)} ms   p99 ${at(0.99).toFixed(3)} ms   ` +
      `cpu ${cpuMsPerCall.toFixed(3)} ms/call   (${sorted.length} calls)`,
  );
}

async function time(calls: number, fn: () => unknown): Promise<Timing> {
  const wallMs: number[] = [];
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const start = process.hrtime.bigint();
    await fn();
    wallMs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const cpu = process.cpuUsage(cpuStart);
  return { wallMs, cpuMsPerCall: (cpu.user + cpu.system) / 1000 / calls };
}

async function main(): Promise<void> {
  const json = randomModelJson();
  const model = XgbModel.fromJson(json);
  const rows = featureRows(
    Array.from({ length: CANDIDATES }, () =>
      Array.from({ length: FEATURES }, () => (random() < 0.15 ? null : gaussian())),
    ),
    FEATURES,
  );
  const out = new Float64Array(CANDIDATES);
  console.log(
    `model: ${TREES} trees, depth ${DEPTH}, ${FEATURES} features; ${CANDIDATES} candidates, 15% missing`,
  );
  await time(200, () => model.predict(rows, out)); // warm up the JIT
  summary("in-process predict, 500 rows", await time(IN_PROCESS_CALLS, () => model.predict(rows, out)));
  summary("rows -> text/csv, 500 rows", await time(200, () => rowsToCsvChunks(rows)));

  const dir = mkdtempSync(path.join(tmpdir(), "bench-xgb-"));
  const modelPath = path.join(dir, "model.json");
  writeFileSync(modelPath, JSON.stringify(json));
  const endpoint = await startLocalEndpoint({ modelPath, port: 0, host: "127.0.0.1" });
  try {
    const scorer = new XgbEndpointScorer({
      endpointName: "bench",
      region: "us-east-1",
      endpointUrl: endpoint.url,
      timeoutMs: 10_000,
    });
    const expected = model.predict(rows);
    const remote = await scorer.score(rows);
    if (remote.some((score, i) => score !== expected[i]))
      throw new Error("endpoint and in-process scores differ");
    await time(20, () => scorer.score(rows));
    summary("local endpoint via the SDK, 500 rows", await time(ENDPOINT_CALLS, () => scorer.score(rows)));
  } finally {
    await endpoint.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
