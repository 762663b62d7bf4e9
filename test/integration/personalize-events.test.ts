import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Logger } from "../../src/observability/logger";
import { createPersonalizeEventsClient } from "../../src/personalize/clients";
import { PersonalizeEventForwarder, type EventForwarderOptions } from "../../src/personalize/event-forwarder";
import type { RecordedEvent } from "../../src/strategies/strategy";
import { startPersonalizeServer, type PersonalizeServer } from "../support/personalize-server";

let server: PersonalizeServer;

beforeAll(async () => {
  server = await startPersonalizeServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
  server.faults = {};
});

function forwarder(options: Partial<EventForwarderOptions> = {}): PersonalizeEventForwarder {
  const client = createPersonalizeEventsClient({ region: "us-east-1", endpointUrl: server.url });
  return new PersonalizeEventForwarder(client, {
    trackingId: "tracker-1",
    retryBaseMs: 1,
    flushDelayMs: 10_000,
    ...options,
  });
}

let nextId = 0;
function event(userId: string, overrides: Partial<RecordedEvent> = {}): RecordedEvent {
  nextId++;
  return {
    eventId: `e${nextId}`,
    userId,
    itemId: `item-${nextId}`,
    type: "VIEW",
    weight: 1,
    timestamp: new Date("2024-05-01T10:00:00Z"),
    ...overrides,
  };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("PersonalizeEventForwarder: mapping", () => {
  it("sends PutEvents with the tracking id, user, session and the event's fields", async () => {
    const f = forwarder();
    f.enqueue(
      event("alice", {
        eventId: "evt-1",
        itemId: "sku-9",
        type: "ADD_TO_CART",
        sessionId: "web-session-7",
        recommendationId: "PERSONALIZE~default~RID-123",
        value: 19.5,
        timestamp: new Date("2024-05-01T10:00:00.250Z"),
      }),
    );
    await f.flush();
    expect(server.requests).toHaveLength(1);
    const { path, body } = server.requests[0]!;
    expect(path).toBe("/events");
    expect(body).toEqual({
      trackingId: "tracker-1",
      userId: "alice",
      sessionId: "web-session-7",
      eventList: [
        {
          eventId: "evt-1",
          eventType: "AddToCart",
          itemId: "sku-9",
          sentAt: Date.parse("2024-05-01T10:00:00.250Z") / 1000,
          eventValue: 19.5,
          recommendationId: "RID-123",
        },
      ],
    });
  });

  it("forwards no recommendationId for lists another strategy served, nor one Personalize would refuse", async () => {
    const f = forwarder();
    f.enqueue(event("carol", { recommendationId: "NMF~default~0b8e6f0e-1111-4c4c-9c9c-123456789abc" }));
    f.enqueue(event("carol", { recommendationId: `PERSONALIZE~default~${"x".repeat(41)}` }));
    await f.flush();
    const sent = server.requests[0]!.body.eventList as Array<Record<string, unknown>>;
    expect(sent).toHaveLength(2);
    for (const e of sent) expect(e).not.toHaveProperty("recommendationId");
    expect(f.stats()).toMatchObject({ forwarded: 2, failed: 0 });
  });

  it("derives a stable session per user and day when the caller sent none", async () => {
    const f = forwarder();
    f.enqueue(event("bob", { timestamp: new Date("2024-05-01T08:00:00Z") }));
    f.enqueue(event("bob", { timestamp: new Date("2024-05-01T20:00:00Z") }));
    f.enqueue(event("bob", { timestamp: new Date("2024-05-02T08:00:00Z") }));
    await f.flush();
    const sessions = server.requests.map((r) => r.body.sessionId as string);
    expect(server.requests.map((r) => (r.body.eventList as unknown[]).length).sort()).toEqual([1, 2]);
    expect(sessions[0]).not.toBe(sessions[1]);
    expect(sessions[0]).not.toContain("bob");
  });
});

describe("PersonalizeEventForwarder: batching", () => {
  it("sends at most 10 events per call, one user and session per call", async () => {
    const f = forwarder();
    for (let i = 0; i < 23; i++) f.enqueue(event("alice", { sessionId: "s-a" }));
    for (let i = 0; i < 3; i++) f.enqueue(event("bob", { sessionId: "s-b" }));
    f.enqueue(event("carol", { sessionId: "s-c1" }));
    f.enqueue(event("carol", { sessionId: "s-c2" }));
    await f.flush();
    // Calls go out concurrently: their order of arrival is not fixed.
    const calls = server.requests.map((r) => ({
      user: r.body.userId,
      session: r.body.sessionId,
      size: (r.body.eventList as unknown[]).length,
    }));
    expect(calls.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([
      { user: "alice", session: "s-a", size: 10 },
      { user: "alice", session: "s-a", size: 10 },
      { user: "alice", session: "s-a", size: 3 },
      { user: "bob", session: "s-b", size: 3 },
      { user: "carol", session: "s-c1", size: 1 },
      { user: "carol", session: "s-c2", size: 1 },
    ]);
    expect(f.stats()).toEqual({ forwarded: 28, failed: 0, retries: 0, dropped: 0, pending: 0 });
  });

  it("flushes in the background after the buffering delay", async () => {
    const f = forwarder({ flushDelayMs: 20 });
    f.enqueue(event("dave"));
    f.enqueue(event("dave"));
    expect(f.stats().pending).toBe(2);
    await until(() => f.stats().forwarded === 2);
    expect(server.requests).toHaveLength(1);
    expect((server.requests[0]!.body.eventList as unknown[]).length).toBe(2);
  });

  it("flush waits for calls already in flight", async () => {
    server.faults = { delayMs: 100 };
    const f = forwarder({ flushDelayMs: 0 });
    f.enqueue(event("erin"));
    await until(() => server.openRequests === 1);
    f.enqueue(event("erin"));
    await f.flush();
    expect(f.stats()).toMatchObject({ forwarded: 2, pending: 0 });
  });

  it("a flush ends at its deadline without cutting calls; what waited goes out once, on a later flush", async () => {
    let release!: () => void;
    server.faults = { hold: new Promise<void>((resolve) => (release = resolve)) };
    const f = forwarder({ maxInFlight: 2 });
    const users = ["u1", "u2", "u3", "u4", "u5"];
    for (const user of users) f.enqueue(event(user));

    await f.flush(20); // returns although every call is held
    await until(() => server.openRequests === 2);
    expect(server.openRequests).toBe(2);
    expect(f.stats()).toMatchObject({ forwarded: 0, pending: 5 });

    release();
    await f.flush();
    expect(f.stats()).toMatchObject({ forwarded: 5, failed: 0, retries: 0, pending: 0 });
    const sent = server.requests.map((r) => r.body.userId);
    expect(sent.sort()).toEqual(users);
  });

  it("a retry waits for its backoff in the queue, not inside the flush", async () => {
    server.faults = { fail: { error: "InternalServerError", times: 1 } };
    const f = forwarder({ retryBaseMs: 60_000 });
    f.enqueue(event("olga"));
    await f.flush(50);
    expect(server.requests).toHaveLength(1);
    expect(f.stats()).toMatchObject({ forwarded: 0, retries: 1, pending: 1 });
  });

  it("drops (and counts) events beyond the buffer bound", async () => {
    const f = forwarder({ maxBuffered: 2 });
    f.enqueue(event("frank"));
    f.enqueue(event("frank"));
    f.enqueue(event("frank"));
    expect(f.stats()).toMatchObject({ dropped: 1, pending: 2 });
    await f.flush();
    expect(f.stats()).toMatchObject({ forwarded: 2, dropped: 1, pending: 0 });
  });
});

describe("PersonalizeEventForwarder: failures", () => {
  it("retries a throttled call and then succeeds", async () => {
    server.faults = { fail: { error: "ThrottlingException", times: 2 } };
    const f = forwarder();
    f.enqueue(event("gina"));
    f.enqueue(event("gina"));
    await f.flush();
    expect(server.requests).toHaveLength(3);
    expect(server.requests[2]!.body).toEqual(server.requests[0]!.body);
    expect(f.stats()).toEqual({ forwarded: 2, failed: 0, retries: 2, dropped: 0, pending: 0 });
  });

  it("gives up after the last attempt, logs and counts the events as failed", async () => {
    server.faults = { fail: { error: "InternalServerError" } };
    const lines: string[] = [];
    const f = forwarder({ maxAttempts: 3, logger: new Logger("info", {}, (l) => lines.push(l)) });
    f.enqueue(event("hank"));
    f.enqueue(event("ivy"));
    await f.flush();
    expect(server.requests).toHaveLength(6);
    expect(f.stats()).toEqual({ forwarded: 0, failed: 2, retries: 4, dropped: 0, pending: 0 });
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({
      level: "error",
      msg: "personalize events not forwarded",
      attempts: 3,
      events: 1,
    });
    expect(JSON.stringify(logged)).not.toContain("hank");
  });

  it("does not retry a request the service refused as invalid", async () => {
    server.faults = { fail: { error: "InvalidInputException" } };
    const f = forwarder();
    f.enqueue(event("jack"));
    await f.flush();
    expect(server.requests).toHaveLength(1);
    expect(f.stats()).toMatchObject({ failed: 1, retries: 0 });
  });

  it("aborts a call that hangs, retries it, and ends flush in bounded time", async () => {
    server.faults = { delayMs: 5_000 };
    const aborted = server.abortedRequests;
    const f = forwarder({ callTimeoutMs: 50, maxAttempts: 2 });
    f.enqueue(event("jill"));
    await f.flush();
    expect(f.stats()).toMatchObject({ forwarded: 0, failed: 1, retries: 1, pending: 0 });
    await until(() => server.abortedRequests === aborted + 2);
    expect(server.abortedRequests).toBe(aborted + 2);
  });

  it("a failed batch does not stop the next ones", async () => {
    server.faults = { fail: { error: "ResourceNotFoundException", times: 1 } };
    const f = forwarder();
    f.enqueue(event("kim"));
    f.enqueue(event("lee"));
    await f.flush();
    expect(f.stats()).toMatchObject({ forwarded: 1, failed: 1 });
  });
});
