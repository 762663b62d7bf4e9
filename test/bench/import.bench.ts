/**
 * bench:import — how fast events get into the embedded store (dynalite on a temp folder, in a process of
 * its own so that the import's memory is measured apart from the store's). Prints figures; asserts nothing.
 *  (a) the raw BatchWriteItem item rate: event-shaped rows (userId, sk, itemId, type, weight, timestamp,
 *      eventId, expiresAt, as the events table stores them) written with batchPut straight to the table;
 *  (b) `recs import --events FILE` end to end, a child process with its own DATA_DIR, on a CSV of as many
 *      rows (the bench:nmf:5m shape: Zipf items over 20,000, lognormal users, 24 users per 1,000 events):
 *      wall time, events/s, the child's peak RSS (/usr/bin/time -v), and the ratio import rate / raw rate.
 * BENCH_IMPORT_ROWS (default 200,000: a few minutes). BENCH_IMPORT_ROWS=5000000 is the real-size run:
 * about an hour here. The raw rate is measured on as many rows: dynalite's LevelDB slows as it grows, so
 * a rate taken on a smaller store would flatter the raw side.
 */
import { createHash } from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config";
import { seededRandom } from "../../src/factors/random";
import { batchPut } from "../../src/store/batch-write";
import { createDocumentClient } from "../../src/store/dynamo";
import { ensureTables } from "../../src/store/tables";
import { eventsCsv } from "./events-csv";

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 200_000);
/** Rows handed to one batchPut call: about what an import keeps in flight (4 pages of 1,000 and more). */
const ROWS_PER_CALL = 5_000;

/**
 * dynalite in a process of its own, as `DYNAMODB_ENDPOINT` points at a shared store: the import's peak
 * RSS is then the import's alone (on AWS the store is DynamoDB), and the store's is reported beside it.
 */
async function startStore(dataDir: string) {
  mkdirSync(dataDir, { recursive: true });
  const script = `require(${JSON.stringify(require.resolve("dynalite"))})({ createTableMs: 0, path: ${JSON.stringify(dataDir)} })
    .listen(0, "127.0.0.1", function () { console.log(this.address().port); });`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(child.stdout!.setEncoding("utf8"), "data")) as [string];
  return {
    endpoint: `http://127.0.0.1:${line.trim()}`,
    /** The store's peak RSS so far (VmHWM). */
    peakMb: () =>
      Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1]) / 1024,
    stop: () => child.kill(),
  };
}

async function rawRate(endpoint: string): Promise<{ seconds: number; rate: number }> {
  const config = loadConfig({});
  const db = createDocumentClient({ region: config.aws.region, endpoint });
  try {
    await ensureTables(db, config.dynamo.tables);
    const random = seededRandom(7);
    const users = Math.max(1000, Math.round((ROWS * 24) / 1000));
    const start = Date.parse("2025-10-03T00:00:00Z");
    const expiresAt = Math.floor(Date.now() / 1000) + 365 * 86_400;
    const started = performance.now();
    for (let done = 0; done < ROWS; done += ROWS_PER_CALL) {
      const rows: Array<Record<string, unknown>> = [];
      for (let i = done; i < Math.min(ROWS, done + ROWS_PER_CALL); i++) {
        const eventId = createHash("sha256").update(`raw#${i}`).digest("base64url").slice(0, 22);
        const timestamp = start + Math.floor((i * 90 * 86_400_000) / ROWS);
        rows.push({
          userId: createHash("sha256")
            .update(`u${Math.floor(random() * users)}`)
            .digest("base64url"),
          sk: `${new Date(timestamp).toISOString()}#${eventId}`,
          itemId: `i${String(Math.floor(random() * 20_000)).padStart(6, "0")}`,
          type: "VIEW",
          weight: 1,
          timestamp,
          eventId,
          expiresAt,
        });
      }
      await batchPut(db, config.dynamo.tables.events, rows);
    }
    const seconds = (performance.now() - started) / 1000;
    return { seconds, rate: ROWS / seconds };
  } finally {
    db.destroy();
  }
}

function importRun(file: string, endpoint: string) {
  const recs = path.join(__dirname, "..", "..", "bin", "recs.js");
  const started = performance.now();
  const child = spawnSync("/usr/bin/time", ["-v", process.execPath, recs, "import", "--events", file], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    env: {
      ...process.env,
      DYNAMODB_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: "bench",
      AWS_SECRET_ACCESS_KEY: "bench",
      SEED_ON_START: "false",
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(child.stderr)?.[1];
  return {
    ok: child.status === 0,
    seconds,
    rssMb: rss ? Number(rss) / 1024 : undefined,
    stdout: child.stdout.trim(),
    stderr: child.stderr,
  };
}

async function main(): Promise<void> {
  console.log(
    `bench:import on ${process.platform}/${process.arch}, node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}; ${ROWS.toLocaleString("en")} rows`,
  );
  if (!existsSync("/usr/bin/time"))
    console.log("(no /usr/bin/time: apt-get install -y time; peak RSS unknown)");
  const file = await eventsCsv({
    rows: ROWS,
    users: Math.max(1000, Math.round((ROWS * 24) / 1000)),
    items: 20_000,
    seed: 1,
  });
  const dir = mkdtempSync(path.join(tmpdir(), "bench-import-"));
  try {
    const rawStore = await startStore(path.join(dir, "raw"));
    const raw = await rawRate(rawStore.endpoint).finally(() => rawStore.stop());
    console.log(
      `  (a) raw batchPut, ${ROWS.toLocaleString("en")} event-shaped rows:  ${raw.seconds.toFixed(1)} s, ${raw.rate.toFixed(0)} items/s`,
    );
    const store = await startStore(path.join(dir, "import"));
    const run = importRun(file, store.endpoint);
    const storePeakMb = store.peakMb();
    store.stop();
    if (!run.ok) {
      console.log(`  (b) recs import failed: ${run.stderr.slice(-1500)}`);
      return;
    }
    const rate = ROWS / run.seconds;
    console.log(
      `  (b) recs import --events FILE:        ${run.seconds.toFixed(1)} s whole process, ${rate.toFixed(0)} events/s, peak RSS ${run.rssMb?.toFixed(0)} MB (the store's own process: ${storePeakMb.toFixed(0)} MB)`,
    );
    for (const line of run.stdout.split("\n")) console.log(`      | ${line}`);
    console.log(`  import rate / raw rate: ${(rate / raw.rate).toFixed(2)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
