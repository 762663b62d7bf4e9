import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RecordEventDocument, RecordEventsDocument } from "../../src/generated/operations";
import { startGatewayOnDynalite, type GatewayOnDynalite } from "../support/gateway-on-dynalite";
import { execute } from "../support/graphql-client";

let gateway: GatewayOnDynalite;

beforeAll(async () => {
  gateway = await startGatewayOnDynalite();
}, 120_000);
afterAll(() => gateway?.stop());

const record = (
  input: { userId: string; itemId: string; type: "VIEW" | "PURCHASE"; idempotencyKey?: string },
  headers = {},
) => execute(gateway.server.url, RecordEventDocument, { input }, headers);

describe("idempotent event recording against the real server", () => {
  it("stores a keyed event once; the retry gets the same id and duplicate: true", async () => {
    const input = {
      userId: "idem-1",
      itemId: "item-0001",
      type: "PURCHASE" as const,
      idempotencyKey: "order-1",
    };
    const first = await record(input);
    const retry = await record(input);
    expect(first.data?.recordEvent).toMatchObject({ duplicate: false });
    expect(retry.data?.recordEvent).toEqual({ eventId: first.data!.recordEvent.eventId, duplicate: true });
    expect(await gateway.countEvents("idem-1")).toBe(1);
  });

  it("takes the key from the Idempotency-Key header when the input has none", async () => {
    const input = { userId: "idem-2", itemId: "item-0002", type: "VIEW" as const };
    const first = await record(input, { "idempotency-key": "header-key-2" });
    const retry = await record(input, { "idempotency-key": "header-key-2" });
    expect(retry.data?.recordEvent).toEqual({ eventId: first.data!.recordEvent.eventId, duplicate: true });
    expect(await gateway.countEvents("idem-2")).toBe(1);
  });

  it("stores ONE event for 50 concurrent identical requests", async () => {
    const input = {
      userId: "idem-3",
      itemId: "item-0003",
      type: "PURCHASE" as const,
      idempotencyKey: "race-3",
    };
    const answers = await Promise.all(Array.from({ length: 50 }, () => record(input)));
    expect(answers.every((a) => a.status === 200 && !a.errors)).toBe(true);
    const results = answers.map((a) => a.data!.recordEvent);
    expect(new Set(results.map((r) => r.eventId)).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await gateway.countEvents("idem-3")).toBe(1);
  });

  it("refuses the same key for a different event with BAD_USER_INPUT", async () => {
    await record({ userId: "idem-4", itemId: "item-0004", type: "VIEW", idempotencyKey: "reused-4" });
    const other = await record({
      userId: "idem-4",
      itemId: "item-0005",
      type: "VIEW",
      idempotencyKey: "reused-4",
    });
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", field: "idempotencyKey" });
    expect(await gateway.countEvents("idem-4")).toBe(1);
  });

  it("deduplicates keyed events inside recordEvents, event by event", async () => {
    const inputs = ["a", "b", "c"].map((k, i) => ({
      userId: "idem-5",
      itemId: `item-00${10 + i}`,
      type: "VIEW" as const,
      idempotencyKey: `batch-5-${k}`,
    }));
    const first = await execute(gateway.server.url, RecordEventsDocument, { inputs });
    // The retry adds one new keyed event beside the three already stored.
    const retry = await execute(gateway.server.url, RecordEventsDocument, {
      inputs: [
        ...inputs,
        { userId: "idem-5", itemId: "item-0020", type: "VIEW", idempotencyKey: "batch-5-d" },
      ],
    });
    const firstIds = first.data!.recordEvents.map((r) => r.eventId);
    expect(first.data!.recordEvents.every((r) => !r.duplicate)).toBe(true);
    expect(retry.data!.recordEvents.slice(0, 3)).toEqual(
      firstIds.map((eventId) => ({ eventId, duplicate: true })),
    );
    expect(retry.data!.recordEvents[3]).toMatchObject({ duplicate: false });
    expect(await gateway.countEvents("idem-5")).toBe(4);
  });
});
