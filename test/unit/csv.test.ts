import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import {
  MAX_RECORD_CHARS,
  MAX_RECORD_LINES,
  readEventsCsv,
  type CsvProgress,
  type CsvReadOptions,
  type CsvRowError,
} from "../../src/events/csv";
import { InputError } from "../../src/domain/errors";
import { readItemsCsv } from "../../src/events/items-csv";

const rules = { weights: { VIEW: 1, ADD_TO_CART: 3, PURCHASE: 5, RATING: 1 }, maxFutureSkewSeconds: 300 };
const now = Date.UTC(2026, 10, 21);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "csv-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const text = (csv: string) => Readable.from([csv]);

async function readEvents(source: string | Readable, options: CsvReadOptions = {}) {
  const errors: CsvRowError[] = [];
  const batches = [];
  for await (const batch of readEventsCsv(source, rules, {
    now,
    onRowError: (e) => errors.push(e),
    ...options,
  }))
    batches.push(batch);
  return { events: batches.flat(), errors, batches };
}

async function readItems(source: string | Readable, options: CsvReadOptions = {}) {
  const errors: CsvRowError[] = [];
  const batches = [];
  for await (const batch of readItemsCsv(source, { onRowError: (e) => errors.push(e), ...options }))
    batches.push(batch);
  return { items: batches.flat(), errors, batches };
}

describe("readEventsCsv", () => {
  it("reads columns by name in any order and maps event types to weights", async () => {
    const csv =
      "eventType,timestamp,itemId,userId\nview,1700000000,i1,u1\nadd_to_cart,2023-11-14T22:13:20Z,i2,u1\n";
    const { events, errors } = await readEvents(text(csv));
    expect(errors).toEqual([]);
    expect(events.map((e) => [e.userId, e.itemId, e.type, e.weight, e.timestamp])).toEqual([
      ["u1", "i1", "VIEW", 1, 1_700_000_000_000],
      ["u1", "i2", "ADD_TO_CART", 3, 1_700_000_000_000],
    ]);
  });

  it("uses a rating column as the weight", async () => {
    const { events } = await readEvents(text("user_id,item_id,rating,timestamp\n1,31,2.5,1260759144\n"));
    expect(events[0]).toMatchObject({ userId: "1", itemId: "31", type: "RATING", weight: 2.5, value: 2.5 });
  });

  it("reports bad rows with their line numbers, keeps the rest, and handles quotes and CRLF", async () => {
    const csv = [
      "userId,itemId,timestamp,eventType,value",
      'u1,"item, with comma",1700000000,purchase,12.5',
      "u2,i2,1700000000,teleport,",
      ",i3,1700000000,view,",
      'u4,"say ""hi""",1700000000,view,',
      "u5,i5,not-a-time,view,",
    ].join("\r\n");
    const { events, errors } = await readEvents(text(csv));
    expect(events.map((e) => e.itemId)).toEqual(["item, with comma", 'say "hi"']);
    expect(errors.map((e) => e.line)).toEqual([3, 4, 6]);
    // The file's column is named, not validateEvent's field ("type").
    expect(errors[0]).toMatchObject({ column: "eventType", message: expect.stringMatching(/^eventType:/) });
    expect(errors[1]!.message).toMatch(/^userId:/);
  });

  it("refuses a header without the required columns", async () => {
    await expect(readEvents(text("userId,itemId,eventType\nu,i,view\n"))).rejects.toThrow(/timestamp/);
    await expect(readEvents(text("userId,itemId,timestamp\nu,i,1\n"))).rejects.toThrow(/eventType.*rating/);
    await expect(readEvents(text("userId,itemId,eventType\n"))).rejects.toBeInstanceOf(InputError);
  });

  it("a stray quote at the start of a field costs only its own row", async () => {
    const rows = [
      'u1,"i1,1000,view',
      "u2,i2,1000,view",
      "u3,i3,1000,view",
      "u4,i4,1000,view",
      "u5,i5,1000,view",
    ];
    const { events, errors } = await readEvents(
      text(`userId,itemId,timestamp,eventType\n${rows.join("\n")}\n`),
    );
    expect(events.map((e) => e.userId)).toEqual(["u2", "u3", "u4", "u5"]);
    expect(errors).toEqual([{ line: 2, message: "unmatched quote" }]);
  });

  it("a stray quote inside a field is a bad row, and so is a quote that opens a field and never closes", async () => {
    const csv = [
      "userId,itemId,timestamp,eventType",
      'u1,i"1,1000,view',
      "u2,i2,1000,view",
      'u"3,"i3,1000,view', // two quotes, but the second opens a field that never closes
      "u4,i4,1000,view",
    ].join("\n");
    const { events, errors } = await readEvents(text(csv));
    expect(events.map((e) => e.userId)).toEqual(["u2", "u4"]);
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [2, "unmatched quote"],
      [4, "unmatched quote"],
    ]);
  });

  it("names the missing columns of a short row and reports a long row", async () => {
    const csv = [
      "userId,itemId,timestamp,eventType",
      "u1,i1,1000",
      "u2,i2",
      "u3,i3,1000,view,extra",
      "u4,i4,1000,view",
    ].join("\n");
    const { events, errors } = await readEvents(text(csv));
    expect(events.map((e) => e.userId)).toEqual(["u4"]);
    expect(errors).toEqual([
      { line: 2, column: "eventType", message: 'missing column "eventType"' },
      { line: 3, column: "timestamp", message: 'missing columns "timestamp", "eventType"' },
      { line: 4, message: expect.stringMatching(/5 cells.*4 columns/) },
    ]);
  });

  it("reports unused header columns once and still reads the rows", async () => {
    const csv = "userId,itemId,foo,timestamp,eventType,user-id\nu1,i1,x,1000,view,u9\nu2,i2,y,1000,view,u9\n";
    const { events, errors } = await readEvents(text(csv));
    expect(events.map((e) => e.userId)).toEqual(["u1", "u2"]);
    expect(errors).toEqual([
      { line: 1, column: "foo", message: 'column "foo" is not used', kept: true },
      {
        line: 1,
        column: "user-id",
        message: expect.stringMatching(/"user-id" is not used.*userId/),
        kept: true,
      },
    ]);
  });

  it("names the column as written in the file: user_id, rating", async () => {
    const csv =
      "user_id,item_id,rating,timestamp\n,31,2.5,1260759144\n1,31,-1,1260759144\n1,31,abc,1260759144\n";
    const { events, errors } = await readEvents(text(csv));
    expect(events).toEqual([]);
    expect(errors.map((e) => [e.line, e.column])).toEqual([
      [2, "user_id"],
      [3, "rating"],
      [4, "rating"],
    ]);
    expect(errors[0]!.message).toMatch(/^user_id: /);
    expect(errors[1]!.message).toMatch(/^rating: .*non-negative/);
    expect(errors[2]!.message).toMatch(/^rating: .*number/);
  });

  it("refuses an empty file, accepts a header without rows and skips blank lines", async () => {
    await expect(readEvents(text(""))).rejects.toThrow(/empty/);
    await expect(readEvents(text("\n  \r\n\n"))).rejects.toBeInstanceOf(InputError);
    expect(await readEvents(text("userId,itemId,timestamp,eventType\n"))).toEqual({
      events: [],
      errors: [],
      batches: [],
    });
    const blanks = await readEvents(
      text("\nuserId,itemId,timestamp,eventType\n\nu1,i1,1,view\n   \n\nu2,i,x,view"),
    );
    expect(blanks.events.map((e) => e.userId)).toEqual(["u1"]);
    expect(blanks.errors.map((e) => e.line)).toEqual([7]);
  });

  it("skips a byte order mark, even split across chunks, and reads CRLF lines", async () => {
    const bytes = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from("userId,itemId,timestamp,eventType\r\nu1,caf\u00e9,1000,view\r\nu2,i2,1000,view\r\n"),
    ]);
    const source = Readable.from([bytes.subarray(0, 1), bytes.subarray(1, 42), bytes.subarray(42)]);
    const { events, errors } = await readEvents(source);
    expect(errors).toEqual([]);
    expect(events.map((e) => [e.userId, e.itemId, e.type])).toEqual([
      ["u1", "caf\u00e9", "VIEW"],
      ["u2", "i2", "VIEW"],
    ]);
  });

  it("accepts timestamps from 2015 and 1997", async () => {
    const iso2015 = "2015-03-01T12:00:00Z";
    const unix1997 = Date.UTC(1997, 0, 1) / 1000;
    const csv = `userId,itemId,timestamp,eventType\nu1,i1,${iso2015},view\nu2,i2,${unix1997},purchase\n`;
    const { events, errors } = await readEvents(text(csv));
    expect(errors).toEqual([]);
    expect(events.map((e) => new Date(e.timestamp).getUTCFullYear())).toEqual([2015, 1997]);
    expect(events[0]!.timestamp).toBe(Date.parse(iso2015));
  });

  it("reads a gzip file, recognised by its bytes whatever its name", async () => {
    const csv = "userId,itemId,timestamp,eventType\nu1,i1,1000,view\nu2,i2,2000,purchase\n";
    const gz = path.join(tmp, "events.csv.gz");
    const misnamed = path.join(tmp, "gzipped.csv");
    fs.writeFileSync(gz, gzipSync(csv));
    fs.writeFileSync(misnamed, gzipSync(csv));
    const plain = await readEvents(text(csv));
    expect(plain.events).toHaveLength(2);
    expect((await readEvents(gz)).events).toEqual(plain.events);
    expect((await readEvents(misnamed)).events).toEqual(plain.events);

    const broken = path.join(tmp, "broken.csv.gz");
    fs.writeFileSync(broken, gzipSync(csv).subarray(0, 20));
    await expect(readEvents(broken)).rejects.toThrow(/gzip/);
  });

  it("throws an InputError naming a file it cannot read", async () => {
    const missing = path.join(tmp, "missing.csv");
    await expect(readEvents(missing)).rejects.toThrow(/cannot read .*missing\.csv.*ENOENT/);
    await expect(readEvents(tmp)).rejects.toBeInstanceOf(InputError);
  });

  it("rejects a line longer than the limit and keeps the rows around it", async () => {
    const long = `u2,${"x".repeat(MAX_RECORD_CHARS + 10)},1000,view`;
    // Chunks smaller than the line: the reader must not wait for its end to reject it.
    const body = `userId,itemId,timestamp,eventType\nu1,i1,1000,view\n${long}\nu3,i3,1000,view\n`;
    const chunks = body.match(/[\s\S]{1,4096}/g)!;
    const { events, errors } = await readEvents(Readable.from(chunks));
    expect(events.map((e) => e.userId)).toEqual(["u1", "u3"]);
    expect(errors).toEqual([{ line: 3, message: expect.stringMatching(/longer than/) }]);
  });

  it("reports progress: rows, bytes read and the file size", async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `u${i},i${i},1000,view`);
    const file = path.join(tmp, "progress.csv");
    fs.writeFileSync(file, `userId,itemId,timestamp,eventType\n${rows.join("\n")}\n`);
    const progress: CsvProgress[] = [];
    const { events } = await readEvents(file, { batchSize: 10, onProgress: (p) => progress.push(p) });
    expect(events).toHaveLength(rows.length);
    const size = fs.statSync(file).size;
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((p) => p.totalBytes === size)).toBe(true);
    expect(progress.map((p) => p.rows)).toEqual([...progress.map((p) => p.rows)].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual({ rows: rows.length, bytesRead: size, totalBytes: size });
  });

  it("streams a large input in batches", async () => {
    const total = 200_000;
    function* lines() {
      yield "userId,itemId,timestamp,eventType\n";
      for (let i = 0; i < total; i += 500) {
        let chunk = "";
        for (let j = i; j < i + 500; j++) chunk += `u${j % 977},i${j % 1499},${1_600_000_000 + j},view\n`;
        yield chunk;
      }
    }
    let count = 0;
    let batches = 0;
    let last = -1;
    let lastProgress: CsvProgress | undefined;
    for await (const batch of readEventsCsv(Readable.from(lines()), rules, {
      now,
      onRowError: (e) => expect.fail(`unexpected error ${e.message}`),
      onProgress: (p) => (lastProgress = p),
    })) {
      expect(batch.length).toBeLessThanOrEqual(1000);
      expect(batch[0]!.timestamp).toBeGreaterThan(last); // in order, none lost between batches
      last = batch.at(-1)!.timestamp;
      count += batch.length;
      batches++;
    }
    expect(count).toBe(total);
    expect(batches).toBe(Math.ceil(total / 1000));
    expect(lastProgress?.rows).toBe(total);
  });

  it("stops reading the source when the caller stops early", async () => {
    function* endless() {
      yield "userId,itemId,timestamp,eventType\n";
      for (let i = 0; ; i++) yield `u${i},i${i},1000,view\n`;
    }
    const source = Readable.from(endless());
    for await (const batch of readEventsCsv(source, rules, { now, batchSize: 10 })) {
      expect(batch).toHaveLength(10);
      break;
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});

describe("readItemsCsv", () => {
  it("reads a catalog and skips rows without an id", async () => {
    const { items, errors } = await readItems(
      text("itemId,title,category,price\ni1,Tent,outdoor,99.5\n,Nameless,x,1\ni2,,books,\n"),
    );
    expect(items).toEqual([
      { itemId: "i1", title: "Tent", category: "outdoor", price: 99.5, imageUrl: undefined },
      { itemId: "i2", title: undefined, category: "books", price: undefined, imageUrl: undefined },
    ]);
    expect(errors.map((e) => e.line)).toEqual([3]);
  });

  it("reads a quoted title spanning lines and keeps the line numbers of the rows after it", async () => {
    const csv = 'item_id,title,price\r\ni1,"Tent\r\nfor two, ""light""\r\n\r\n",10\r\ni2,Lamp,cheap\r\n';
    const { items, errors } = await readItems(text(csv));
    expect(items).toEqual([
      { itemId: "i1", title: 'Tent\nfor two, "light"', price: 10, category: undefined, imageUrl: undefined },
    ]);
    expect(errors).toEqual([{ line: 6, column: "price", message: "price: must be a number" }]);
  });

  it("reports a title whose quote never closes and resumes at the next line", async () => {
    const good = Array.from({ length: MAX_RECORD_LINES + 5 }, (_, i) => `i${i},Title ${i}`);
    const csv = `itemId,title\ni-bad,"Broken title\n${good.join("\n")}\n`;
    const { items, errors } = await readItems(text(csv));
    expect(items.map((i) => i.itemId)).toEqual(good.map((row) => row.split(",")[0]));
    expect(errors).toEqual([{ line: 2, message: "unmatched quote" }]);

    // Near the end of the file: the file ends before the limit.
    const atEnd = await readItems(text(`itemId,title\ni1,One\ni2,"Two\ni3,Three\n`));
    expect(atEnd.items.map((i) => i.itemId)).toEqual(["i1", "i3"]);
    expect(atEnd.errors).toEqual([{ line: 3, message: "unmatched quote" }]);
  });

  it("reports repeated ids; the last one wins and no batch holds an id twice", async () => {
    const csv = "itemId,title\ni1,First\ni1,Second\ni2,Other\ni3,Third\ni1,Last\n";
    const { batches, errors } = await readItems(text(csv), { batchSize: 2 });
    for (const batch of batches) expect(new Set(batch.map((i) => i.itemId)).size).toBe(batch.length);
    // Writing the batches in order leaves the last title of each id.
    const written = new Map(batches.flat().map((item) => [item.itemId, item.title]));
    expect(Object.fromEntries(written)).toEqual({ i1: "Last", i2: "Other", i3: "Third" });
    expect(errors).toEqual([
      {
        line: 3,
        column: "itemId",
        message: expect.stringMatching(/"i1" repeats line 2; the last one wins/),
        kept: true,
      },
      {
        line: 6,
        column: "itemId",
        message: expect.stringMatching(/"i1" repeats line 3; the last one wins/),
        kept: true,
      },
    ]);
  });

  it("refuses a header without itemId and an empty file", async () => {
    await expect(readItems(text("title,price\nTent,1\n"))).rejects.toThrow(/itemId/);
    await expect(readItems(text(""))).rejects.toThrow(/empty/);
  });
});
