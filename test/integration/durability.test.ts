import { Readable } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readEventsCsv } from "../../src/events/csv";
import { createContext } from "../../src/graphql/context";
import { importEvents, ImportFailedError } from "../../src/jobs/import-events";
import { StoreUnavailableError } from "../../src/recommend/errors";
import { createApolloServer } from "../../src/server";
import { DynamoFaultProxy } from "../support/dynamo-fault-proxy";
import { createTestApp, localDynamo, type TestApp } from "../support/local-dynamo";

let proxy: DynamoFaultProxy;
let test: TestApp;

beforeAll(async () => {
  proxy = await DynamoFaultProxy.start((await localDynamo()).endpoint);
  test = await createTestApp({ DYNAMODB_ENDPOINT: proxy.endpoint });
});
afterAll(async () => {
  await test?.close();
  await proxy?.close();
});
beforeEach(() => proxy.clear());

const view = (userId: string, itemId = "item-1", idempotencyKey?: string) => ({
  userId,
  itemId,
  type: "VIEW" as const,
  idempotencyKey,
});
const storedIds = async (userId: string) =>
  (await test.app.stores.events.forUser(userId)).map((e) => e.eventId);

describe("DynamoDB faults under the event path", () => {
  it("retries throttling with backoff and stores the event once", async () => {
    proxy.inject({ operation: "BatchWriteItem", fault: "throttle", times: 2 });
    const result = await test.app.events.record(view("dur-1"));
    expect(proxy.count("BatchWriteItem")).toBe(3);
    expect(await storedIds("dur-1")).toEqual([result.eventId]);
  });

  it("retries 5xx and stores the keyed event once", async () => {
    proxy.inject({ operation: "PutItem", fault: "server-error", times: 3 });
    const result = await test.app.events.record(view("dur-2", "item-2", "dur-key-2"));
    expect(result.duplicate).toBe(false);
    expect(await storedIds("dur-2")).toEqual([result.eventId]);
  });

  it("answers SERVICE_UNAVAILABLE when retries are exhausted, and acknowledges nothing", async () => {
    proxy.inject({ operation: "BatchWriteItem", fault: "throttle", times: Infinity });
    await expect(test.app.events.record(view("dur-3"))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(proxy.count("BatchWriteItem")).toBe(5); // maxAttempts 5 in src/store/dynamo.ts

    proxy.clear();
    proxy.inject({ operation: "PutItem", fault: "server-error", times: Infinity });
    const apollo = createApolloServer(test.config);
    await apollo.start();
    const response = await apollo.executeOperation(
      {
        query: "mutation ($input: EventInput!) { recordEvent(input: $input) { eventId duplicate } }",
        variables: { input: view("dur-3", "item-3", "dur-key-3") },
      },
      { contextValue: createContext(test.app, "req-dur-3") },
    );
    await apollo.stop();
    const single = response.body.kind === "single" ? response.body.singleResult : undefined;
    expect(single?.data).toBeNull();
    expect(single?.errors?.[0]?.extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", retryable: true });

    proxy.clear();
    expect(await storedIds("dur-3")).toEqual([]);
    // The client's retry with the same key, once the store is back, records the event exactly once.
    const retried = await test.app.events.record(view("dur-3", "item-3", "dur-key-3"));
    expect(await storedIds("dur-3")).toEqual([retried.eventId]);
  });

  it("retries BatchWriteItem's UnprocessedItems until every event of recordEvents is stored", async () => {
    proxy.inject({ operation: "BatchWriteItem", fault: "unprocessed", times: 3 });
    const inputs = Array.from({ length: 8 }, (_, i) => view("dur-4", `item-${i}`));
    const results = await test.app.events.recordMany(inputs);
    expect(results).toHaveLength(8);
    expect(proxy.count("BatchWriteItem")).toBe(4); // 8 -> 4 left -> 2 left -> 1 left -> done
    expect((await storedIds("dur-4")).sort()).toEqual(results.map((r) => r.eventId).sort());
  });

  it("every acknowledged event is readable afterwards, under intermittent throttling and 5xx", async () => {
    const acknowledged: string[] = [];
    for (let i = 0; i < 8; i++) {
      proxy.inject({
        operation: i % 2 ? "BatchWriteItem" : "PutItem",
        fault: i % 3 ? "throttle" : "server-error",
        times: 1,
      });
      const key = i % 2 ? undefined : `dur-5-${i}`;
      acknowledged.push((await test.app.events.record(view("dur-5", `item-${i}`, key))).eventId);
    }
    expect((await storedIds("dur-5")).sort()).toEqual([...acknowledged].sort());
  });
});

describe("DynamoDB faults under a bulk import", () => {
  it("stops with the count stored so far; the same import run again stores every row once", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `bulk-${i % 7},item-${i},view,2020-01-01T00:00:00Z`);
    const csv = ["userId,itemId,eventType,timestamp", ...rows].join("\n");
    const source = { importId: "durability-bulk", name: "bulk.csv" };
    const pages = () => readEventsCsv(Readable.from([csv]), test.app.config.events);
    proxy.inject({ operation: "BatchWriteItem", fault: "server-error", times: Infinity });
    const failed = await importEvents(test.app, pages(), { source }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ImportFailedError);
    expect((failed as ImportFailedError).stored).toBe(0);
    proxy.clear();
    const report = await importEvents(test.app, pages(), { source });
    expect(report.imported).toBe(3000);
    let stored = 0;
    for (let u = 0; u < 7; u++) stored += (await test.app.stores.events.forUser(`bulk-${u}`, 1000)).length;
    expect(stored).toBe(3000);
  });
});
