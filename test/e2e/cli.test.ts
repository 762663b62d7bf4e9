import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
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
  it("prints help and rejects unknown commands and flags with exit code 2", () => {
    expect(recs(["--help"]).stdout).toMatch(/recs: offline jobs/);
    expect(recs(["fly"]).code).toBe(2);
    const bad = recs(["import", "--nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/nope/);
  });

  it("imports a catalog and events, reporting bad rows by line number", () => {
    const out = recs(["import", "--items", "items.csv", "--events", "events.csv"]);
    expect(out.stderr).toContain("events.csv:5: itemId: must be a non-empty string (skipped)");
    expect(out.stderr).toContain("events.csv:6: type: must be one of");
    expect(out.stdout).toMatch(/imported 150 items \(0 rows skipped\)/);
    expect(out.stdout).toMatch(/imported \d+ events \(2 rows skipped\)/);
    expect(out.code).toBe(0);
  });

  it("trains from the imported events table and writes a model the server can load", () => {
    const out = recs(["train", "--force"], { NMF_COMPONENTS: "8" });
    expect(out.stdout).toMatch(/NDCG@10: candidate [\d.]+, popularity [\d.]+/);
    expect(out.code).toBe(0);
    const latest = JSON.parse(fs.readFileSync(path.join(dir, "models", "latest"), "utf8"));
    expect(fs.existsSync(path.join(dir, "models", latest.version, "manifest.json"))).toBe(true);
  });

  it("evaluates NMF beside popularity as one JSON object", () => {
    const out = recs(
      ["evaluate", "--events", "events.csv", "--split", "0.75", "--seed", "42", "--k", "5", "--json"],
      {
        NMF_COMPONENTS: "8",
      },
    );
    expect(out.code).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report.k).toBe(5);
    for (const ranker of [report.nmf, report.popularity]) {
      for (const metric of ["precision", "recall", "ndcg", "map", "coverage"]) {
        expect(ranker[metric]).toBeGreaterThanOrEqual(0);
        expect(ranker[metric]).toBeLessThanOrEqual(1);
      }
    }
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
});
