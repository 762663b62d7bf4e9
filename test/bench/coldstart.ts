/**
 * `npm run bench:coldstart`: cold start of the bundled handler (dist/lambda.js), as Lambda sees it.
 * The demo data is seeded into dynalite (127.0.0.1) and a model trained into a temporary folder first.
 * Each run is then a fresh node process that times `require` of the bundle (config, clients, schema),
 * the first invocation with an HTTP API v2 event (Apollo start, model load, DynamoDB reads, a
 * `recommendations` query) and a second one (warm). Every other AWS endpoint points at a closed local
 * port, so no run can reach the internet. Prints each run and the medians.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { seedDemoData } from "../../src/jobs/seed";
import { trainModel } from "../../src/jobs/train";
import { startEmbeddedDynamo } from "../../src/store/embedded";
import { ensureTables } from "../../src/store/tables";

const RUNS = Number(process.env.COLDSTART_RUNS ?? 7);
const BUNDLE = path.resolve(__dirname, "../../dist/lambda.js");
const QUERY =
  'query Recs { recommendations(userId: "user-0001", k: 10) { strategy modelVersion items { itemId score item { title } } } }';

interface Run {
  requireMs: number;
  firstInvokeMs: number;
  secondInvokeMs: number;
  statusCode: number;
  body: string;
}

/** Runs inside the fresh process: plain node, no TypeScript loader, so `require` is timed as on Lambda. */
const PROBE = `
const event = (id) => ({
  version: "2.0", routeKey: "POST /graphql", rawPath: "/graphql", rawQueryString: "",
  headers: { "content-type": "application/json", accept: "application/json" },
  requestContext: { accountId: "123456789012", apiId: "bench", domainName: "bench.local", domainPrefix: "bench",
    http: { method: "POST", path: "/graphql", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "bench" },
    requestId: id, routeKey: "POST /graphql", stage: "$default", time: new Date().toISOString(), timeEpoch: Date.now() },
  body: JSON.stringify({ query: ${JSON.stringify(QUERY)} }), isBase64Encoded: false,
});
const context = (id) => ({ awsRequestId: id, functionName: "bench", functionVersion: "$LATEST", memoryLimitInMB: "1024",
  callbackWaitsForEmptyEventLoop: true, getRemainingTimeInMillis: () => 30000 });
const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6;
let t = process.hrtime.bigint();
const { handler } = require(process.argv[1]);
const requireMs = ms(t);
(async () => {
  t = process.hrtime.bigint();
  const first = await handler(event("1"), context("1"), () => {});
  const firstInvokeMs = ms(t);
  t = process.hrtime.bigint();
  await handler(event("2"), context("2"), () => {});
  const secondInvokeMs = ms(t);
  process.stdout.write("\\nCOLDSTART " + JSON.stringify({ requireMs, firstInvokeMs, secondInvokeMs,
    statusCode: first.statusCode, body: String(first.body).slice(0, 300) }) + "\\n");
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main(): Promise<void> {
  if (!fs.existsSync(BUNDLE)) throw new Error(`${BUNDLE} is missing: run npm run build first`);
  const bundle = fs.readFileSync(BUNDLE);
  console.log(
    `bundle: ${(bundle.length / 1024).toFixed(0)} KiB, ${(gzipSync(bundle).length / 1024).toFixed(0)} KiB gzipped`,
  );
  const zip = path.resolve(__dirname, "../../.serverless/recs-gateway.zip");
  if (fs.existsSync(zip))
    console.log(`package zip (last npm run package): ${(fs.statSync(zip).size / 1024).toFixed(0)} KiB`);

  const dynamo = await startEmbeddedDynamo();
  const modelDir = fs.mkdtempSync(path.join(os.tmpdir(), "coldstart-models-"));
  try {
    const config = loadConfig({ DYNAMODB_ENDPOINT: dynamo.endpoint, MODEL_URI: modelDir, LOG_LEVEL: "warn" });
    const app = createApp(config);
    await ensureTables(app.db, config.dynamo.tables);
    const seeded = await seedDemoData(app, config.seed);
    const trained = await trainModel(app, { force: true, print: () => undefined });
    await app.close();
    console.log(
      `seeded ${seeded.users} users, ${seeded.items} items, ${seeded.events} events; model ${trained.version}`,
    );
    const env = {
      PATH: process.env.PATH,
      AWS_LAMBDA_FUNCTION_NAME: "bench",
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      // Any AWS call the handler makes beyond DynamoDB fails fast on a closed local port.
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      MODEL_URI: modelDir,
      STAGE: "bench",
      LOG_LEVEL: "warn",
      METRICS_SINK: "off",
    };
    const runs: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const { stdout } = await promisify(execFile)(process.execPath, ["-e", PROBE, BUNDLE], {
        env,
        maxBuffer: 10_000_000,
      });
      const line = stdout.split("\n").find((l) => l.startsWith("COLDSTART "));
      if (!line) throw new Error(`run ${i + 1} printed no result:\n${stdout}`);
      const run = JSON.parse(line.slice("COLDSTART ".length)) as Run;
      if (run.statusCode !== 200) throw new Error(`run ${i + 1}: status ${run.statusCode}: ${run.body}`);
      runs.push(run);
      console.log(
        `run ${i + 1}: require ${run.requireMs.toFixed(0)} ms, first invocation ${run.firstInvokeMs.toFixed(0)} ms, ` +
          `second ${run.secondInvokeMs.toFixed(1)} ms`,
      );
    }
    const total = runs.map((r) => r.requireMs + r.firstInvokeMs);
    console.log(`first response: ${runs[0].body}`);
    console.log(
      `median over ${RUNS} fresh processes: require ${median(runs.map((r) => r.requireMs)).toFixed(0)} ms, ` +
        `first invocation ${median(runs.map((r) => r.firstInvokeMs)).toFixed(0)} ms, ` +
        `require + first invocation ${median(total).toFixed(0)} ms (target < 500 ms), ` +
        `warm invocation ${median(runs.map((r) => r.secondInvokeMs)).toFixed(1)} ms`,
    );
  } finally {
    await dynamo.close();
    fs.rmSync(modelDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
