/**
 * `npm run bench`: throughput and latency of the local gateway (a `npm start` process on seeded demo
 * data in /tmp) for recommendations (k=10 with item fields), relatedItems and recordEvent, next to a
 * minimal graphql-js server calling the same App services, and for recommendations next to Apollo
 * Server answering with a constant list (test/bench/constant-apollo-server.ts); then a soak at a fixed
 * rate that reports heap growth. Prints figures and the targets; asserts nothing. Each server is
 * measured while the others are idle. BENCH_SECONDS (default 10) per run, SOAK_SECONDS (default 60, 0
 * skips it), SOAK_RATE (default 300/s), BENCH_SCENARIOS (comma-separated, default all). The ratio to
 * the constant-resolver server is the median of BENCH_ROUNDS (default 5) more pairs of runs in
 * alternating order, so that load coming and going on a shared machine does not land on one side; the
 * same rounds' ratio of CPU time per request is printed beside it (the load generator shares the cores, so
 * throughput also moves with its share; CPU per request is the cost itself), and the p99 target is judged
 * on the same rounds' median.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require("autocannon") as (options: Record<string, unknown>) => AutocannonInstance;

interface AutocannonResult {
  requests: { average: number; total: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const SOAK_RATE = Number(process.env.SOAK_RATE ?? 300);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const root = path.resolve(__dirname, "../..");
/** Linux reports process CPU times in clock ticks of 1/100 s (USER_HZ). */
const CLOCK_TICKS = 100;

const pad = (n: number) => String(n).padStart(4, "0");
/** Each request asks about another seeded user or item (500 users, 1000 items), as real traffic would. */
const SCENARIOS = {
  recommendations: {
    query: `query Recs($userId: ID!) { recommendations(userId: $userId, k: 10) { recommendationId strategy items { itemId score rank item { id title category } } } }`,
    variables: (n: number) => ({ userId: `user-${pad((n % 500) + 1)}` }),
  },
  relatedItems: {
    query: `query Related($itemId: ID!) { relatedItems(itemId: $itemId, k: 10) { recommendationId strategy items { itemId score rank item { id title category } } } }`,
    variables: (n: number) => ({ itemId: `item-${pad((n % 1000) + 1)}` }),
  },
  recordEvent: {
    query: `mutation Record($input: EventInput!) { recordEvent(input: $input) { eventId duplicate } }`,
    variables: (n: number) => ({
      input: { userId: `bench-user-${n % 500}`, itemId: `item-${pad((n % 1000) + 1)}`, type: "VIEW" },
    }),
  },
} as const;
type Scenario = keyof typeof SCENARIOS;
/** The scenarios cycle through at most this many distinct users or items. */
const DISTINCT = 1000;
const RUN = (process.env.BENCH_SCENARIOS?.split(",") ?? Object.keys(SCENARIOS)) as Scenario[];

interface Figures {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  /** The server's CPU time per answered request: what throughput would be on a core of its own. */
  cpuUsPerRequest: number;
}

interface Server {
  url: string;
  process: ChildProcess;
  output(): string;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A server process on its own seeded copy of the demo data (same seed: same data and model). Its
 * output goes to a file, as a deployed server's logs would, not through a pipe this process drains.
 */
async function startServer(script: string, name: string, readyText: string): Promise<Server> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `recs-bench-${name}-`));
  const logFile = path.join(dir, "server.log");
  const log = fs.openSync(logFile, "w");
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ["--expose-gc", "--require", "tsx/cjs", "--require", "./test/bench/heap-probe.ts", script],
    {
      cwd: root,
      env: {
        ...process.env,
        STAGE: "local",
        // As deployed (serverless.yml sets it): graphql-js skips its development-mode checks.
        NODE_ENV: "production",
        HOST: "127.0.0.1",
        PORT: String(port),
        LOG_LEVEL: "info",
        DATA_DIR: path.join(dir, "data"),
        MODEL_URI: path.join(dir, "models"),
      },
      stdio: ["ignore", log, log],
    },
  );
  fs.closeSync(log);
  const output = () => fs.readFileSync(logFile, "utf8");
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output().includes(readyText)) {
        clearInterval(timer);
        resolve();
      }
      if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`${name} exited:\n${output()}`));
      }
    }, 200);
  });
  return { url: `http://127.0.0.1:${port}/graphql`, process: child, output };
}

function body(scenario: Scenario, n: number): string {
  const { query, variables } = SCENARIOS[scenario];
  return JSON.stringify({ query, variables: variables(n) });
}

/** Fails loudly when a scenario answers with GraphQL errors: a fast error is not a result. */
async function checkScenario(url: string, scenario: Scenario): Promise<void> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: body(scenario, 0),
  });
  const json = (await res.json()) as { errors?: unknown };
  if (!res.ok || json.errors)
    throw new Error(`${scenario} on ${url}: HTTP ${res.status} ${JSON.stringify(json.errors)}`);
}

/** CPU time (user + system) the server process has used, in ms: a load-independent cost per request. */
function cpuMsOf(server: Server): number {
  const fields = fs.readFileSync(`/proc/${server.process.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

async function measure(
  server: Server,
  scenario: Scenario,
  seconds: number,
  overallRate?: number,
): Promise<Figures> {
  const { url } = server;
  const cpuBefore = cpuMsOf(server);
  const latencies: number[] = [];
  let sent = 0;
  const instance = autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    requests: [{ setupRequest: (request: object) => ({ ...request, body: body(scenario, sent++) }) }],
    connections: CONNECTIONS,
    // seconds = 0: one request per scenario variable (every user or item once), however long that takes.
    ...(seconds > 0 ? { duration: seconds } : { amount: DISTINCT }),
    ...(overallRate ? { overallRate } : {}),
  });
  instance.on("response", (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return {
    rps: result.requests.average,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    errors: result.errors + result.timeouts + result.non2xx,
    cpuUsPerRequest: ((cpuMsOf(server) - cpuBefore) * 1000) / Math.max(1, result.requests.total),
  };
}

const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

async function heapOf(server: Server): Promise<number> {
  const before = server.output().length;
  server.process.kill("SIGUSR2");
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const line = server
      .output()
      .slice(before)
      .split("\n")
      .find((l) => l.includes('"heapProbe"'));
    if (line) return (JSON.parse(line) as { heapProbe: { heapUsed: number } }).heapProbe.heapUsed;
  }
}

const fmt = (f: Figures) =>
  `${f.rps.toFixed(0).padStart(6)} req/s  p50 ${f.p50.toFixed(1)} ms  p95 ${f.p95.toFixed(1)} ms  p99 ${f.p99.toFixed(1)} ms  errors ${f.errors}  cpu ${f.cpuUsPerRequest.toFixed(0)} µs/req`;

async function main(): Promise<void> {
  console.log(
    `load before: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} on ${os.cpus().length} cores`,
  );
  const gateway = await startServer("src/main.ts", "gateway", '"gateway ready"');
  const minimal = await startServer("test/bench/minimal-server.ts", "minimal", "minimal server ready");
  const constant = await startServer(
    "test/bench/constant-apollo-server.ts",
    "constant",
    "constant apollo server ready",
  );
  const warmThenMeasure = async (server: Server, scenario: Scenario) => {
    // Warm-up: every user or item once (each server's caches in the same state, whenever it was seeded:
    // a cache filled at seeding may have expired for the server started first), then JIT and model.
    await measure(server, scenario, 0);
    await measure(server, scenario, 2);
    return measure(server, scenario, SECONDS);
  };
  try {
    const results: Array<{
      scenario: Scenario;
      gateway: Figures;
      minimal: Figures;
      constant?: Figures;
      /** Gateway / constant-resolver throughput, median of the alternating rounds. */
      ofConstant?: number;
      /** The same rounds' constant-resolver / gateway CPU time per request. */
      ofConstantCpu?: number;
      /** The gateway's p99 in the same rounds, median. */
      p99?: number;
    }> = [];
    for (const scenario of RUN) {
      await checkScenario(gateway.url, scenario);
      await checkScenario(minimal.url, scenario);
      const g = await warmThenMeasure(gateway, scenario);
      const m = await warmThenMeasure(minimal, scenario);
      let line = `${scenario}\n  gateway  ${fmt(g)}\n  minimal  ${fmt(m)}\n  ratio    ${((100 * g.rps) / m.rps).toFixed(0)}% of the minimal server`;
      let c: Figures | undefined;
      let ofConstant: number | undefined;
      let ofConstantCpu: number | undefined;
      let p99: number | undefined;
      if (scenario === "recommendations") {
        await checkScenario(constant.url, scenario);
        c = await warmThenMeasure(constant, scenario);
        line += `\n  constant ${fmt(c)}  (Apollo, constant resolver)\n  ratio    ${(g.rps / c.rps).toFixed(2)} of constant-resolver Apollo (CPU per request: ${(c.cpuUsPerRequest / g.cpuUsPerRequest).toFixed(2)})`;
        const ratios: number[] = [];
        const cpuRatios: number[] = [];
        const p99s: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const first = round % 2 === 0 ? gateway : constant;
          const a = await measure(first, scenario, SECONDS);
          const b = await measure(first === gateway ? constant : gateway, scenario, SECONDS);
          const [ours, theirs] = first === gateway ? [a, b] : [b, a];
          ratios.push(ours.rps / theirs.rps);
          cpuRatios.push(theirs.cpuUsPerRequest / ours.cpuUsPerRequest);
          p99s.push(ours.p99);
        }
        if (ratios.length) {
          ofConstant = median(ratios);
          line += `\n  rounds   ${ratios.map((r) => r.toFixed(2)).join(" ")} in alternating order: median ${ofConstant.toFixed(2)}`;
          ofConstantCpu = median(cpuRatios);
          line += `\n  by CPU   ${cpuRatios.map((r) => r.toFixed(2)).join(" ")} (constant's CPU per request / ours): median ${ofConstantCpu.toFixed(2)}`;
          p99 = median(p99s);
          line += `\n  p99      ${p99s.map((r) => r.toFixed(1)).join(" ")} ms (ours, the same rounds): median ${p99.toFixed(1)} ms`;
        } else ofConstant = g.rps / c.rps;
      }
      results.push({ scenario, gateway: g, minimal: m, constant: c, ofConstant, ofConstantCpu, p99 });
      console.log(line);
    }
    minimal.process.kill("SIGTERM");
    constant.process.kill("SIGTERM");

    let soak: Figures | undefined;
    let growth = 0;
    if (SOAK_SECONDS > 0) {
      await measure(gateway, "recommendations", 10, SOAK_RATE);
      const warm = await heapOf(gateway);
      soak = await measure(gateway, "recommendations", SOAK_SECONDS, SOAK_RATE);
      const after = await heapOf(gateway);
      growth = (100 * (after - warm)) / warm;
      console.log(
        `soak ${SOAK_SECONDS}s at ${SOAK_RATE} req/s: ${fmt(soak)}\n  heap after warm-up ${(warm / 1e6).toFixed(1)} MB, after soak ${(after / 1e6).toFixed(1)} MB (${growth >= 0 ? "+" : ""}${growth.toFixed(1)}%)`,
      );
    }

    console.log("targets (printed, not asserted):");
    const recs = results.find((r) => r.scenario === "recommendations");
    if (recs) {
      const ratio = recs.gateway.rps / recs.minimal.rps;
      const ofConstant = recs.ofConstant!;
      console.log(
        `  recommendations >= 0.8 of constant-resolver Apollo: ${ofConstant >= 0.8 ? "met" : "MISSED"} (${ofConstant.toFixed(2)}${recs.ofConstantCpu === undefined ? "" : `; by CPU per request ${recs.ofConstantCpu.toFixed(2)}`})`,
      );
      // Like the ratio, judged on the rounds (one run's p99 is the noisiest figure it prints).
      const p99 = recs.p99 ?? recs.gateway.p99;
      console.log(
        `  recommendations p99 < 15 ms: ${p99 < 15 ? "met" : "MISSED"} (${p99.toFixed(1)} ms${recs.p99 === undefined ? "" : `, median of the rounds; the first run ${recs.gateway.p99.toFixed(1)} ms`})`,
      );
      console.log(
        `  >= 60% of the minimal server: ${ratio >= 0.6 ? "met" : "MISSED"} (${(ratio * 100).toFixed(0)}%)`,
      );
    }
    console.log(
      `  zero errors: ${results.every((r) => r.gateway.errors === 0) && (soak?.errors ?? 0) === 0 ? "met" : "MISSED"}`,
    );
    if (soak)
      console.log(
        `  soak heap within 10%: ${Math.abs(growth) <= 10 ? "met" : "MISSED"} (${growth.toFixed(1)}%)`,
      );
    console.log(
      `load after: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
    );
  } finally {
    for (const server of [gateway, minimal, constant]) server.process.kill("SIGTERM");
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
