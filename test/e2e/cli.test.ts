import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { commands, NAME_WIDTH } from "../../src/cli/commands";
import { TIE } from "../../src/factors/tune";
import { generateDemoData } from "../../src/demo/synthetic";
import { startServerProcess } from "../support/server-process";

const root = path.join(__dirname, "..", "..");
let dir: string;

function recs(args: string[], env: Record<string, string> = {}) {
  const out = spawnSync(process.execPath, [path.join(root, "bin", "recs.js"), ...args], {
    cwd: dir,
    env: {
      ...process.env,
      LOG_LEVEL: "warn",
      DATA_DIR: path.join(dir, "data"),
      MODEL_URI: path.join(dir, "models"),
      ...env,
    },
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "recs-cli-"));
  const { items, events } = generateDemoData({ users: 120, items: 150, seed: 11 });
  const lines = events.map(
    (e) => `${e.userId},${e.itemId},${Math.floor(e.timestamp / 1000)},${e.type.toLowerCase()}`,
  );
  lines.splice(3, 0, "u-bad,,1700000000,view", "u-bad,i1,1700000000,teleport");
  fs.writeFileSync(path.join(dir, "events.csv"), ["userId,itemId,timestamp,eventType", ...lines].join("\n"));
  fs.writeFileSync(
    path.join(dir, "items.csv"),
    [
      "itemId,title,category,price",
      ...items.map((i) => `${i.itemId},"${i.title}",${i.category},${i.price}`),
    ].join("\n"),
  );
});

describe("recs command line", () => {
  it("lists every command in its help, from the built CLI", () => {
    const out = recs(["--help"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/recs: offline jobs/);
    for (const [name, command] of Object.entries(commands)) {
      expect(out.stdout).toContain(`  ${name.padEnd(NAME_WIDTH)}${command.summary}`);
    }
    // bin/recs.js says so on stderr when it falls back to the TypeScript sources.
    expect(out.stderr).toBe("");
  });

  it("loads no command implementation (AWS SDK, dynalite, the app) for help", () => {
    const loaded = spawnSync(
      process.execPath,
      [
        "-e",
        `process.argv = [process.argv[0], "recs", "--help"];
         process.on("exit", () => process.stderr.write(Object.keys(require.cache).join("\\n")));
         require(${JSON.stringify(path.join(root, "bin", "recs.js"))});`,
      ],
      { encoding: "utf8" },
    ).stderr.split("\n");
    expect(loaded).toContain(path.join(root, "dist", "cli.js"));
    expect(
      loaded.filter((file) => /node_modules[\\/](@aws-sdk|@apollo|dynalite|level|tsx)[\\/]/.test(file)),
    ).toEqual([]);
  });

  it("shows each command's flags and their defaults with --help and -h", () => {
    for (const [name, command] of Object.entries(commands)) {
      const out = recs([name, name === "train" ? "-h" : "--help"]);
      expect(out.code).toBe(0);
      expect(out.stdout).toContain(`usage: npx recs ${name} [flags]`);
      expect(out.stdout).toContain(command.summary);
      for (const [flag, f] of Object.entries(command.flags)) {
        const line = out.stdout.split("\n").find((l) => l.startsWith(`  --${flag} `));
        expect(line, `recs ${name} --help shows --${flag}`).toBeDefined();
        const shown = f.defaultText ?? (f.type === "string" ? f.default : undefined);
        if (shown !== undefined) expect(line!.endsWith(`(default: ${shown})`)).toBe(true);
      }
    }
    const evaluate = recs(["evaluate", "--help"]).stdout;
    expect(evaluate).toMatch(
      /^ {2}--split VALUE +share of each user's items kept for training \(default: 0\.75\)$/m,
    );
    expect(evaluate).toMatch(/^ {2}--json +print one JSON object$/m);
  });

  it("shows import's flags with --help and exits 0", () => {
    const out = recs(["import", "--help"]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^ {2}--events VALUE +events CSV/m);
    expect(out.stdout).toMatch(/^ {2}--items VALUE +catalog CSV/m);
    expect(out.stdout).toMatch(/^ {2}-h, --help +this help$/m);
  });

  it("rejects unknown commands and flags with exit code 2 and the usage", () => {
    const unknown = recs(["fly"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "fly"[\s\S]*usage: npx recs <command>/);
    const bad = recs(["import", "--nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^recs import: Unknown option '--nope'$/m);
    expect(bad.stderr).toContain("usage: npx recs import [flags]");
    expect(bad.stderr).toMatch(/^ {2}--events VALUE/m);
    expect(bad.stdout).toBe("");
  });

  it("imports a catalog and events, reporting bad rows by line number", () => {
    const out = recs(["import", "--items", "items.csv", "--events", "events.csv"]);
    expect(out.stderr).toContain("events.csv:5: itemId: must be a non-empty string (skipped)");
    expect(out.stderr).toContain("events.csv:6: eventType: must be one of");
    expect(out.stdout).toMatch(/imported 150 items; no rows skipped/);
    expect(out.stdout).toMatch(
      /imported \d+ events, kept 365 days from now; 2 rows skipped \((itemId|eventType) 1, (itemId|eventType) 1;/,
    );
    expect(out.code).toBe(0);
  });

  it("trains from the imported events table and writes a model the server can load", () => {
    const out = recs(["train", "--force"], { NMF_COMPONENTS: "8" });
    expect(out.stdout).toMatch(/NDCG@10: candidate [\d.]+, popularity [\d.]+/);
    expect(out.code).toBe(0);
    const latest = JSON.parse(fs.readFileSync(path.join(dir, "models", "latest"), "utf8"));
    expect(fs.existsSync(path.join(dir, "models", latest.version, "manifest.json"))).toBe(true);
  });

  it("evaluates popularity, NMF, ALS and EASE side by side at several k as one JSON object, and writes the HTML report", () => {
    const html = path.join(dir, "report.html");
    const out = recs(
      ["evaluate", "--events", "events.csv", "--seed", "42", "--k", "5,10", "--json", "--html", html],
      { NMF_COMPONENTS: "8", ALS_COMPONENTS: "8" },
    );
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.ks).toEqual([5, 10]);
    expect(report.strategies.map((s: { name: string }) => s.name)).toEqual(["POPULAR", "NMF", "ALS", "EASE"]);
    for (const strategy of report.strategies) {
      expect(strategy.metrics.map((m: { k: number }) => m.k)).toEqual([5, 10]);
      for (const metric of ["precision", "recall", "ndcg", "map", "coverage"]) {
        for (const m of strategy.metrics) {
          expect(m[metric]).toBeGreaterThanOrEqual(0);
          expect(m[metric]).toBeLessThanOrEqual(1);
        }
      }
    }
    expect(report.strategies[2].params).toMatchObject({ components: 8 });
    expect(report.strategies[3].params).toEqual({ regularization: 250 });
    // Every other strategy against the best at each k: on the same users, the mean of the per-user
    // differences is the difference of the means, inside its interval.
    const ndcgOf = (name: string, at: number): number =>
      report.strategies.find((s: { name: string }) => s.name === name).metrics[at].ndcg;
    expect(report.comparisons).toHaveLength(2 * 3);
    for (const c of report.comparisons) {
      const at = [5, 10].indexOf(c.k);
      for (const s of report.strategies)
        expect(ndcgOf(c.best, at)).toBeGreaterThanOrEqual(s.metrics[at].ndcg);
      expect(c.difference).toBeCloseTo(ndcgOf(c.strategy, at) - ndcgOf(c.best, at), 10);
      expect(c.lower).toBeLessThanOrEqual(c.difference);
      expect(c.upper).toBeGreaterThanOrEqual(c.difference);
    }
    for (const name of ["ALS", "EASE"])
      expect(fs.readFileSync(html, "utf8")).toContain(`data-strategy="${name}"`);
    expect(recs(["evaluate", "--events", "events.csv", "--k", "5,x"]).stderr).toMatch(
      /--k must be an integer/,
    );
  });

  it("tunes a model with a seeded search, prints every trial and the best, and keeps the winner's settings", () => {
    const out = recs(["tune", "--model", "als", "--trials", "3", "--seed", "42", "--force"], {
      ALS_COMPONENTS: "8",
      ALS_ITERATIONS: "3",
    });
    expect(out.code, out.stderr).toBe(0);
    // A budget of 3: one buys four screens at a quarter of the epochs, two full trials remain.
    const trials = [...out.stdout.matchAll(/trial \d: .* -> NDCG@10 (\d\.\d{4})/g)].map((m) => Number(m[1]));
    expect(trials).toHaveLength(2);
    expect(out.stdout.match(/screen: .* -> NDCG@10 \d\.\d{4} \(1 epoch, /g)).toHaveLength(4);
    const best = Number(/ALS best: .* -> NDCG@10 (\d\.\d{4})/.exec(out.stdout)![1]);
    // The cheapest trial within TIE of the best wins.
    expect(trials).toContain(best);
    // (Both printed to four decimals: allow their rounding.)
    expect(best).toBeGreaterThanOrEqual(Math.max(...trials) * (1 - TIE) - 1e-4);
    // Settings the environment sets are not searched: every trial keeps 8 components and 3 epochs.
    expect(out.stdout.match(/(trial \d|screen): components 8, iterations 3,/g)).toHaveLength(6);
    expect(out.stdout).toMatch(/saved \S+ to .* as latest/);
    // The search chose on seed 42's split, the model's own seed: the gate judges on another.
    expect(out.stdout).toMatch(/^validation split \(seed 43\)/m);
    expect(recs(["tune", "--model", "svd"]).stderr).toMatch(/--model must be one of nmf, als, ease, all/);
  });

  it("leaves EASE out of tune and evaluate over all families when the data is beyond its size, and refuses to train it alone", () => {
    // 6,000 users and items, three items each: an EASE model of 6,000 x 6,000, over its limit also
    // on the validation split (which may leave a few items out).
    const n = 6_000;
    const rows = Array.from({ length: n }, (_, u) =>
      [0, 1, 2].map((d) => `big-u${u},big-i${(u + d) % n},1700000000,view`).join("\n"),
    );
    fs.writeFileSync(path.join(dir, "big.csv"), ["userId,itemId,timestamp,eventType", ...rows].join("\n"));
    const env = { NMF_COMPONENTS: "4", NMF_ITERATIONS: "5", ALS_COMPONENTS: "4", ALS_ITERATIONS: "2" };
    const tuned = recs(["tune", "--events", "big.csv", "--trials", "1", "--no-train"], env);
    expect(tuned.code, tuned.stderr).toBe(0);
    expect(tuned.stderr).toMatch(
      /EASE left out: EASE: 6000 users and \d+ items .* use ALS for data this size/,
    );
    expect(tuned.stdout).toMatch(/NMF best: /);
    expect(tuned.stdout).toMatch(/ALS best: /);
    const evaluated = recs(["evaluate", "--events", "big.csv", "--k", "10", "--json"], env);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stderr).toMatch(/EASE left out/);
    const names = JSON.parse(evaluated.stdout).strategies.map((s: { name: string }) => s.name);
    expect(names).toEqual(["POPULAR", "NMF", "ALS"]);
    const alone = recs(["train", "--model", "ease", "--events", "big.csv"]);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/use ALS for data this size/);
  });

  it("refuses to open the embedded store while the server holds it, with a clear message", async () => {
    const server = await startServerProcess({
      DATA_DIR: path.join(dir, "data"),
      MODEL_URI: path.join(dir, "models"),
    });
    try {
      const out = recs(["train"]);
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/in use by another process/);
    } finally {
      await server.stop();
    }
  });

  it("imports real-world files: gzip, old history, stray quotes, short rows, unknown columns, repeated ids", () => {
    const history = [
      "userId,itemId,rating,timestamp,comment",
      'hist-1,"m-1,4.0,852076800,x', // a quote that never closes: only this row is lost
      "hist-1,m-2,3.5,852076800,x", // 1997
      "hist-2,m-1,5,1420070400,x", // 2015
      "hist-2,m-3", // short
      "hist-3,m-2,2,1420070400,x",
      "hist-3,m-3,4,1420070400,x",
    ].join("\n");
    fs.writeFileSync(path.join(dir, "history.csv.gz"), zlib.gzipSync(history));
    fs.writeFileSync(path.join(dir, "catalog.csv"), "itemId,title\nm-1,One\nm-2,Two\nm-1,One again\n");
    const env = { DATA_DIR: path.join(dir, "history-data"), MODEL_URI: path.join(dir, "history-models") };
    const out = recs(["import", "--items", "catalog.csv", "--events", "history.csv.gz"], env);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/catalog\.csv:4: itemId: "m-1" repeats line 2; the last one wins/);
    expect(out.stderr).toMatch(/history\.csv\.gz:2: .*quote.*\(skipped\)/);
    expect(out.stderr).toMatch(/history\.csv\.gz:5: .*missing column.*"rating".*\(skipped\)/);
    expect(out.stderr).toMatch(/history\.csv\.gz:1: comment: column "comment" is not used/);
    expect(out.stdout).toMatch(/imported 2 items; no rows skipped/);
    expect(out.stdout).toMatch(/imported 4 events, kept 365 days from now; 2 rows skipped/);

    // 1997 and 2015 are far older than EVENT_TTL_DAYS: still every imported event is trained on.
    const train = recs(["train", "--force"], { ...env, NMF_COMPONENTS: "2" });
    expect(train.stdout).toMatch(/training on 4 user-item pairs from 4 events/);
    expect(train.code).toBe(0);

    const again = recs(["import", "--events", "history.csv.gz"], env);
    expect(again.stdout).toMatch(/was imported completely on .* \(4 events\): nothing to do/);
  });

  it("says plainly when a file is empty or missing", () => {
    fs.writeFileSync(path.join(dir, "empty.csv"), "");
    const empty = recs(["import", "--events", "empty.csv"]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^recs import: csv: empty\.csv is empty$/m);
    const missing = recs(["train", "--events", "nope.csv"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^recs train: csv: cannot read nope\.csv/m);
  });

  it("runs the sources through tsx, with a notice, when dist/cli.js is missing", () => {
    // A copy of the project without a build: bin/ copied, src/ and node_modules/ linked.
    const project = fs.mkdtempSync(path.join(os.tmpdir(), "recs-unbuilt-"));
    fs.mkdirSync(path.join(project, "bin"));
    fs.copyFileSync(path.join(root, "bin", "recs.js"), path.join(project, "bin", "recs.js"));
    for (const name of ["src", "node_modules", "package.json"])
      fs.symlinkSync(path.join(root, name), path.join(project, name));
    const out = spawnSync(process.execPath, [path.join(project, "bin", "recs.js"), "import"], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(out.stderr).toMatch(/^recs: dist\/cli\.js is missing: running the sources through tsx/m);
    // The command's module was loaded (a usage error from inside it), not just the help.
    expect(out.stderr).toMatch(/^recs import: give --events FILE and\/or --items FILE$/m);
    expect(out.status).toBe(2);
  });
});
