import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEventsCsv } from "../../src/events/csv";
import { modelFromFactorFiles } from "../../src/jobs/import-factors";
import { importEvents, ImportFailedError } from "../../src/jobs/import-events";
import { trainModel } from "../../src/jobs/train";
import { createTestApp, type TestApp } from "../support/local-dynamo";

const dir = mkdtempSync(path.join(tmpdir(), "import-events-"));
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ MODEL_URI: path.join(dir, "models"), NMF_ITERATIONS: "30", NMF_COMPONENTS: "4" });
});
afterAll(() => t.close());

/** History from 1997 and 2015: far older than EVENT_TTL_DAYS (365). */
function historyCsv(users: number, items: number): string {
  const rows = ["userId,itemId,rating,timestamp"];
  for (let u = 0; u < users; u++)
    for (let i = 0; i < 6; i++) {
      const year = u % 2 ? "1997-05-01T00:00:00Z" : "2015-03-01T00:00:00Z";
      rows.push(`hist-${u},movie-${(u * 7 + i * 3) % items},${1 + ((u + i) % 5)},${year}`);
    }
  return rows.join("\n");
}

const pages = (csv: string) => readEventsCsv(Readable.from([csv]), t.app.config.events);

describe("bulk import through the ingestion core", () => {
  it("keeps old history trainable: every imported event is stored, derived and trained on", async () => {
    const report = await importEvents(t.app, pages(historyCsv(40, 30)), { bufferEvents: 50 });
    expect(report.imported).toBe(240);
    const stored = [];
    for await (const page of t.app.stores.events.scan())
      stored.push(...page.filter((e) => e.userId.startsWith("hist-")));
    expect(stored).toHaveLength(240);
    expect(new Set(stored.map((e) => new Date(e.timestamp).getUTCFullYear()))).toEqual(new Set([1997, 2015]));
    // Derived once per user although the buffer (50 events) was flushed several times.
    const state = await t.app.stores.users.get("hist-3");
    expect(Object.keys(state!.interactions)).toHaveLength(6);
    const trained = await trainModel(t.app, { force: true, print: () => undefined });
    expect(trained.figures.interactions).toBeGreaterThanOrEqual(240);
  });

  it("keeps events for the stated retention from now, or for ever with 0", async () => {
    const csv = "userId,itemId,eventType,timestamp\nret-a,i1,view,1997-01-01T00:00:00Z\n";
    await importEvents(t.app, pages(csv), { retentionDays: 0 });
    const farFuture = Date.now() + 100 * 365 * 86_400_000;
    const kept = [];
    for await (const page of t.app.stores.events.scan(farFuture))
      kept.push(...page.filter((e) => e.userId === "ret-a"));
    expect(kept).toHaveLength(1);
    await importEvents(t.app, pages(csv.replace("ret-a", "ret-b")), { retentionDays: 2 });
    const later = [];
    for await (const page of t.app.stores.events.scan(Date.now() + 3 * 86_400_000))
      later.push(...page.filter((e) => e.userId === "ret-b"));
    expect(later).toHaveLength(0);
  });

  it("a re-run of a finished import is refused; --again adds the events once more", async () => {
    const csv =
      "userId,itemId,eventType,timestamp\nonce-a,i1,purchase,2020-01-01T00:00:00Z\nonce-a,i2,view,2020-01-01T00:00:00Z\n";
    const source = { importId: "digest-once", name: "once.csv" };
    expect((await importEvents(t.app, pages(csv), { source })).imported).toBe(2);
    const again = await importEvents(t.app, pages(csv), { source });
    expect(again.alreadyDone?.derivedEvents).toBe(2);
    expect(await t.app.stores.events.forUser("once-a")).toHaveLength(2);
    await importEvents(t.app, pages(csv), { source, again: true });
    expect(await t.app.stores.events.forUser("once-a")).toHaveLength(4);
  });

  it("resumes a failed import after its last checkpoint, without duplicating rows", async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `resume-${i % 3},i${i},view,2021-01-01T00:00:00Z`);
    const csv = ["userId,itemId,eventType,timestamp", ...rows].join("\n");
    const source = { importId: "digest-resume", name: "resume.csv" };
    async function* failingAfter(count: number) {
      let seen = 0;
      for await (const page of pages(csv)) {
        for (const event of page) {
          if (seen++ === count) throw new Error("the store went away");
          yield [event];
        }
      }
    }
    const failed = importEvents(t.app, failingAfter(25), { source, bufferEvents: 10 });
    await expect(failed).rejects.toBeInstanceOf(ImportFailedError);
    const resumed = await importEvents(t.app, pages(csv), { source, bufferEvents: 10 });
    expect(resumed.resumedAfter).toBe(20);
    expect(resumed.imported).toBe(10);
    const stored = [];
    for (const user of ["resume-0", "resume-1", "resume-2"])
      stored.push(...(await t.app.stores.events.forUser(user)));
    expect(stored).toHaveLength(30);
    expect(new Set(stored.map((e) => e.itemId)).size).toBe(30);
    const state = await t.app.stores.users.get("resume-0");
    expect(Object.values(state!.interactions).map(([weight]) => weight)).toEqual(Array(10).fill(1));
  });
});

describe("recs import-factors", () => {
  it("brings factor files in as a model through the validation gate", async () => {
    const k = 3;
    const users = [
      "id,f1,f2,f3",
      ...Array.from(
        { length: 40 },
        (_, u) => `hist-${u},${[0, 1, 2].map((f) => ((u + f) % 4) / 3).join(",")}`,
      ),
    ];
    const items = [
      "id,f1,f2,f3",
      ...Array.from(
        { length: 30 },
        (_, i) => `movie-${i},${[0, 1, 2].map((f) => ((i * f) % 5) / 4).join(",")}`,
      ),
    ];
    writeFileSync(path.join(dir, "users.csv"), users.join("\n"));
    writeFileSync(path.join(dir, "items.csv"), items.join("\n"));
    const model = await modelFromFactorFiles(t.app, path.join(dir, "users.csv"), path.join(dir, "items.csv"));
    expect(model.components).toBe(k);
    expect(model.manifest.userIds).toHaveLength(40);
    const report = await trainModel(t.app, { force: true, imported: model, print: () => undefined });
    expect(report.version).toBe(model.version);
    expect(report.metrics.candidate.users).toBeGreaterThan(0);
    expect((await t.app.factorModels.NMF.store.loadLatest())?.version).toBe(model.version);
  });

  it("refuses negative factors, ragged rows and repeated ids, naming the line", async () => {
    const write = (name: string, text: string) => (
      writeFileSync(path.join(dir, name), text),
      path.join(dir, name)
    );
    const good = write("good.csv", "a,1,2\nb,0,1\n");
    await expect(modelFromFactorFiles(t.app, write("neg.csv", "a,1,-2\n"), good)).rejects.toThrow(
      /neg.csv:1: "-2" is not a nonnegative/,
    );
    await expect(modelFromFactorFiles(t.app, write("ragged.csv", "a,1,2\nb,1\n"), good)).rejects.toThrow(
      /ragged.csv:2: 1 factors, expected 2/,
    );
    await expect(modelFromFactorFiles(t.app, write("twice.csv", "a,1,2\na,1,2\n"), good)).rejects.toThrow(
      /twice.csv:2: "a" appears twice/,
    );
    await expect(modelFromFactorFiles(t.app, path.join(dir, "missing.csv"), good)).rejects.toThrow(
      /cannot read/,
    );
  });
});
