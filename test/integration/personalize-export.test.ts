import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { parse } from "csv-parse/sync";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { run as exportCommand } from "../../src/cli/export-personalize.command";
import { exportPersonalize, PERSONALIZE_FILES } from "../../src/personalize/export";
import schemas from "../../src/personalize/schemas.json";
import type { StoredEvent } from "../../src/store/events.store";
import { createTestApp, localDynamo, type TestApp } from "../support/local-dynamo";
import { startLocalS3, type LocalS3 } from "../support/local-s3";

const DAY = Date.UTC(2026, 10, 1);
const TYPES = ["VIEW", "ADD_TO_CART", "PURCHASE"] as const;

/** 30 users x 40 events: over both of Personalize's minimums. */
function history(users = 30, perUser = 40): StoredEvent[] {
  return Array.from({ length: users * perUser }, (_, i) => ({
    eventId: `e${i}`,
    userId: `u${i % users}`,
    itemId: `item-${i % 97}`,
    type: TYPES[i % 3]!,
    weight: 1,
    timestamp: DAY + i * 1_234,
  }));
}

const tmp = (): string => mkdtempSync(path.join(tmpdir(), "personalize-export-"));
const rows = (file: string): string[][] => parse(readFileSync(file, "utf8")) as string[][];

let test: TestApp;
let dir: string;
let recordedUser: string;

beforeAll(async () => {
  test = await createTestApp({ USER_ID_HMAC_KEY: "export-test-key" });
  await test.app.stores.events.putMany(history());
  // One live event through the API's path: its user id is pseudonymised before it is stored.
  await test.app.events.record({ userId: "alice@example.com", itemId: "item-1", type: "RATING", value: 4.5 });
  recordedUser = test.app.ingestion.userKey("alice@example.com");
  await test.app.stores.items.putMany([
    { itemId: "item-1", title: 'Mug, "large"', category: "kitchen", price: 12.5 },
    { itemId: "item-2", title: "Kite\nwith a line break" },
    { itemId: "item-3", category: "toys" },
  ]);
  dir = tmp();
});

afterAll(async () => {
  await test.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("recs export-personalize", () => {
  it("writes the interactions as stored: user ids, seconds, the forwarder's event types, values", async () => {
    const result = await exportPersonalize(test.app.stores, dir);
    expect(result).toMatchObject({ interactions: 1201, items: 3, repeatUsers: 25, shortfalls: [] });
    const [header, ...lines] = rows(path.join(dir, PERSONALIZE_FILES.interactions));
    expect(header).toEqual(["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]);
    expect(lines).toHaveLength(1201);
    const byKey = new Map(lines.map((l) => [`${l[0]}|${l[1]}|${l[2]}`, l]));
    // u7's event e7: item-7 at DAY + 7 * 1234 ms -> whole seconds; VIEW -> View; no value -> empty.
    expect(byKey.get(`u7|item-7|${Math.floor((DAY + 7 * 1_234) / 1000)}`)).toEqual([
      "u7",
      "item-7",
      String(Math.floor((DAY + 7 * 1_234) / 1000)),
      "AddToCart", // TYPES[7 % 3]
      "",
    ]);
    expect(new Set(lines.map((l) => l[3]))).toEqual(new Set(["View", "AddToCart", "Purchase", "Rating"]));
    const rating = lines.find((l) => l[3] === "Rating")!;
    expect(rating.slice(0, 2)).toEqual([recordedUser, "item-1"]);
    expect(rating[4]).toBe("4.5");
    expect(recordedUser).not.toBe("alice@example.com");
    expect(readFileSync(path.join(dir, PERSONALIZE_FILES.interactions), "utf8")).not.toContain("alice");
  });

  it("writes the catalog with CATEGORY, PRICE and TITLE, quoting what needs it, and the schemas", async () => {
    const [header, ...lines] = rows(path.join(dir, PERSONALIZE_FILES.items));
    expect(header).toEqual(schemas.items.fields.map((f) => f.name));
    expect(lines.sort((a, b) => a[0]!.localeCompare(b[0]!))).toEqual([
      ["item-1", "kitchen", "12.5", 'Mug, "large"'],
      ["item-2", "", "", "Kite\nwith a line break"],
      ["item-3", "toys", "", ""],
    ]);
    expect(JSON.parse(readFileSync(path.join(dir, PERSONALIZE_FILES.interactionsSchema), "utf8"))).toEqual(
      schemas.interactions,
    );
    expect(JSON.parse(readFileSync(path.join(dir, PERSONALIZE_FILES.itemsSchema), "utf8"))).toEqual(
      schemas.items,
    );
  });

  it("says which of Personalize's minimums the data misses", async () => {
    const small = await createTestApp();
    const out = tmp();
    try {
      // 24 users with two events each, and 100 users with one: 148 interactions.
      const events = [
        ...history(24, 2),
        ...history(100, 1).map((e) => ({ ...e, eventId: `x${e.eventId}`, userId: `once-${e.userId}` })),
      ];
      await small.app.stores.events.putMany(events);
      const result = await exportPersonalize(small.app.stores, out);
      expect(result.shortfalls).toEqual([
        "148 interactions; Personalize needs at least 1000",
        "24 users with 2 or more interactions; Personalize needs at least 25",
      ]);
      // The files are still written: the shortfall is Personalize's to refuse, the data is not wrong.
      expect(rows(path.join(out, PERSONALIZE_FILES.interactions))).toHaveLength(149);
    } finally {
      await small.close();
      rmSync(out, { recursive: true, force: true });
    }
  });

  it("leaves no half-written file behind when reading the table fails", async () => {
    const out = tmp();
    const failing = {
      items: test.app.stores.items,
      events: {
        async *scan() {
          yield history(5, 5);
          throw new Error("scan failed");
        },
      },
    };
    await expect(exportPersonalize(failing, out)).rejects.toThrow("scan failed");
    expect(existsSync(path.join(out, PERSONALIZE_FILES.interactions))).toBe(false);
    rmSync(out, { recursive: true, force: true });
  });

  it("the command exits 1 and names the shortfall when the data is too small", async () => {
    const out = tmp();
    const dynamo = await localDynamo();
    const small = await createTestApp();
    await small.app.stores.events.putMany(history(3, 2));
    const env = {
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      SEED_ON_START: "false",
      LOG_LEVEL: "silent",
      ...Object.fromEntries(
        Object.entries(small.config.dynamo.tables).map(([k, v]) => [`${k.toUpperCase()}_TABLE`, v]),
      ),
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    const err: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    const error = vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
    try {
      expect(await exportCommand({ out })).toBe(1);
      expect(err.join("\n")).toContain("not enough data for Amazon Personalize to train");
      expect(err.join("\n")).toContain("6 interactions; Personalize needs at least 1000");
      expect(rows(path.join(out, PERSONALIZE_FILES.interactions))).toHaveLength(7);
    } finally {
      log.mockRestore();
      error.mockRestore();
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      await small.close();
      rmSync(out, { recursive: true, force: true });
    }
  });
});

describe("recs export-personalize to S3 (s3rver)", () => {
  let local: LocalS3;
  let s3: S3Client;
  const sent: string[] = [];
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    // s3rver checks signatures against its one fixed key pair.
    process.env.AWS_ACCESS_KEY_ID = "S3RVER";
    process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
    local = await startLocalS3();
    s3 = local.s3;
    s3.middlewareStack.add(
      (next, context) => (args) => {
        sent.push(context.commandName!);
        return next(args);
      },
      { step: "initialize" },
    );
  });

  afterAll(async () => {
    await local.close();
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  });

  const object = async (key: string) =>
    (await s3.send(new GetObjectCommand({ Bucket: "models", Key: key }))).Body!.transformToString();

  it("uploads the same files in parts, holding one part at a time", async () => {
    sent.length = 0;
    const result = await exportPersonalize(test.app.stores, "s3://models/personalize/", {
      s3,
      partBytes: 8 * 1024,
    });
    expect(result.files).toEqual([
      "s3://models/personalize/interactions.csv",
      "s3://models/personalize/items.csv",
      "s3://models/personalize/interactions.schema.json",
      "s3://models/personalize/items.schema.json",
    ]);
    const local = (name: string) => readFileSync(path.join(dir, name), "utf8").split("\n").sort();
    // Same lines as the local export (the scan's page order may differ between runs).
    expect((await object("personalize/interactions.csv")).split("\n").sort()).toEqual(
      local(PERSONALIZE_FILES.interactions),
    );
    expect((await object("personalize/items.csv")).split("\n").sort()).toEqual(
      local(PERSONALIZE_FILES.items),
    );
    expect(JSON.parse(await object("personalize/items.schema.json"))).toEqual(schemas.items);
    // The interactions (about 50 KB) went as a multipart upload of 8 KiB parts; small files as one PUT.
    expect(sent.filter((c) => c === "CreateMultipartUploadCommand")).toHaveLength(1);
    expect(sent.filter((c) => c === "UploadPartCommand").length).toBeGreaterThanOrEqual(3);
    expect(sent.filter((c) => c === "CompleteMultipartUploadCommand")).toHaveLength(1);
    expect(sent.filter((c) => c === "PutObjectCommand")).toHaveLength(3);
  });

  it("aborts the multipart upload when reading the table fails, leaving no object", async () => {
    sent.length = 0;
    const failing = {
      items: test.app.stores.items,
      events: {
        async *scan() {
          yield history(30, 40);
          throw new Error("scan failed");
        },
      },
    };
    await expect(
      exportPersonalize(failing, "s3://models/broken", { s3, partBytes: 8 * 1024 }),
    ).rejects.toThrow("scan failed");
    expect(sent).toContain("AbortMultipartUploadCommand");
    await expect(object("broken/interactions.csv")).rejects.toThrow();
  });
});
