import { spawn } from "node:child_process";
import path from "node:path";
import type { APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { ensureTables } from "../../src/store/tables";
import { createDocumentClient } from "../../src/store/dynamo";
import { countEvents } from "../support/gateway-on-dynalite";
import { httpApiEvent, setLambdaEnvironment } from "../support/lambda-events";
import { startPersonalizeServer, type PersonalizeServer } from "../support/personalize-server";

type Handler = typeof import("../../src/lambda").handler;
let handler: Handler;
let personalize: PersonalizeServer;

const lambdaContext = { awsRequestId: "req-1", functionName: "recs" } as unknown as Context;

async function invoke(body: unknown, headers: Record<string, string> = {}) {
  const result = (await handler(
    httpApiEvent({ body: JSON.stringify(body), headers }),
    lambdaContext,
  )) as APIGatewayProxyStructuredResultV2;
  return JSON.parse(result.body!) as { data?: Record<string, unknown>; errors?: unknown[] };
}

const RECORD_EVENTS = `mutation ($inputs: [EventInput!]!) { recordEvents(inputs: $inputs) { eventId duplicate } }`;

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

/** Event ids the stand-in received in PutEvents calls, with how often each came. */
function forwardedIds(): Map<string, number> {
  const ids = new Map<string, number>();
  for (const r of personalize.requests.filter((q) => q.path === "/events"))
    for (const e of r.body.eventList as Array<{ eventId: string }>)
      ids.set(e.eventId, (ids.get(e.eventId) ?? 0) + 1);
  return ids;
}

beforeAll(async () => {
  personalize = await startPersonalizeServer();
  await setLambdaEnvironment("traffic", {
    PERSONALIZE_TRACKING_ID: "tracker-1",
    PERSONALIZE_EVENTS_ENDPOINT_URL: personalize.url,
    FLUSH_DEADLINE_MS: "20",
  });
  const setup = createApp(loadConfig());
  await ensureTables(setup.db, setup.config.dynamo.tables);
  await setup.close();
  ({ handler } = await import("../../src/lambda"));
});

afterAll(async () => {
  delete process.env.AWS_LAMBDA_FUNCTION_NAME;
  await personalize.close();
});

describe("Lambda: the response never waits for background work", () => {
  it("answers while Personalize holds every PutEvents; what was left is sent by later invocations, each event once", async () => {
    let release!: () => void;
    personalize.faults = { hold: new Promise<void>((resolve) => (release = resolve)) };
    const inputs = Array.from({ length: 12 }, (_, i) => ({
      userId: `held-${i}`,
      itemId: "item-1",
      type: "VIEW",
    }));

    // Would never answer if the handler waited for PutEvents.
    const first = await invoke({ query: RECORD_EVENTS, variables: { inputs } });
    const eventIds = (first.data!.recordEvents as Array<{ eventId: string }>).map((r) => r.eventId);
    expect(eventIds).toHaveLength(12);
    await until(() => personalize.openRequests === 8);
    expect(personalize.openRequests).toBe(8); // at most 8 calls in flight; 4 users wait in the queue

    release();
    personalize.faults = {};
    for (let i = 0; i < 50 && forwardedIds().size < 12; i++) await invoke({ query: "{ health { status } }" });
    await until(() => personalize.openRequests === 0);
    const ids = forwardedIds();
    expect([...ids.keys()].sort()).toEqual([...eventIds].sort());
    expect([...ids.values()].every((n) => n === 1)).toBe(true);
  });
});

describe("Lambda: recordEvents honours the Idempotency-Key header", () => {
  it("stores each event of a batch sent twice with one header once; an event's own key wins", async () => {
    const inputs = [
      { userId: "idem-a", itemId: "item-1", type: "VIEW" },
      { userId: "idem-a", itemId: "item-2", type: "PURCHASE", idempotencyKey: "order-7-line-2" },
      { userId: "idem-b", itemId: "item-1", type: "ADD_TO_CART" },
    ];
    const send = async () =>
      (await invoke({ query: RECORD_EVENTS, variables: { inputs } }, { "idempotency-key": "batch-42" })).data!
        .recordEvents as Array<{ eventId: string; duplicate: boolean }>;
    const first = await send();
    const again = await send();
    expect(first.map((r) => r.duplicate)).toEqual([false, false, false]);
    expect(again).toEqual(first.map((r) => ({ ...r, duplicate: true })));
    const db = createDocumentClient({ region: "us-east-1", endpoint: process.env.DYNAMODB_ENDPOINT });
    expect(await countEvents(db, "idem-a", "traffic-events")).toBe(2);
    expect(await countEvents(db, "idem-b", "traffic-events")).toBe(1);

    // The body's key is the event's key: the same event under it alone is a duplicate too.
    const own = await invoke({ query: RECORD_EVENTS, variables: { inputs: [inputs[1]] } });
    expect(own.data!.recordEvents).toEqual([{ eventId: first[1]!.eventId, duplicate: true }]);
    db.destroy();
  });
});

describe("Lambda: shutdown (SIGTERM, sent when an extension is registered)", () => {
  it("sends the events an invocation left behind, each once, before the process exits", async () => {
    let release!: () => void;
    personalize.faults = { hold: new Promise<void>((resolve) => (release = resolve)) };
    const script = path.resolve(__dirname, "../support/lambda-sigterm-script.ts");
    const child = spawn(process.execPath, ["--import", "tsx", script, "12"], {
      cwd: path.resolve(__dirname, "../.."),
      env: process.env,
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    for (let i = 0; i < 1500 && !output.includes('"recordEvents"'); i++)
      await new Promise((r) => setTimeout(r, 10));
    const answer = JSON.parse(output.split("\n").find((l) => l.includes('"recordEvents"'))!) as {
      data: { recordEvents: Array<{ eventId: string }> };
    };
    const eventIds = answer.data.recordEvents.map((r) => r.eventId);
    expect(eventIds).toHaveLength(12);
    // The invocation answered with every PutEvents still held: 8 in flight, the rest queued.
    for (let i = 0; i < 300 && personalize.openRequests < 8; i++) await new Promise((r) => setTimeout(r, 10));
    expect(personalize.openRequests).toBe(8);

    child.kill("SIGTERM");
    release();
    personalize.faults = {};
    expect(await exited).toBe(0);
    const ids = forwardedIds();
    expect(eventIds.map((id) => ids.get(id))).toEqual(eventIds.map(() => 1));
  });
});
