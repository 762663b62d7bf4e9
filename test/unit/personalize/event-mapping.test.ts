import { describe, expect, it } from "vitest";
import {
  batchesPerSession,
  derivedSessionId,
  personalizeEventType,
} from "../../../src/personalize/event-forwarder";
import type { RecordedEvent } from "../../../src/strategies/strategy";

describe("personalizeEventType", () => {
  it.each([
    ["VIEW", "View"],
    ["ADD_TO_CART", "AddToCart"],
    ["PURCHASE", "Purchase"],
    ["add_to_wishlist", "AddToWishlist"],
  ])("%s -> %s", (ours, theirs) => {
    expect(personalizeEventType(ours)).toBe(theirs);
  });
});

describe("derivedSessionId", () => {
  it("is the same for a user within a UTC day and differs across days and users", () => {
    const morning = derivedSessionId("u1", new Date("2024-05-01T00:00:01Z"));
    expect(derivedSessionId("u1", new Date("2024-05-01T23:59:59Z"))).toBe(morning);
    expect(derivedSessionId("u1", new Date("2024-05-02T00:00:00Z"))).not.toBe(morning);
    expect(derivedSessionId("u2", new Date("2024-05-01T00:00:01Z"))).not.toBe(morning);
    expect(morning).not.toContain("u1");
  });
});

describe("batchesPerSession", () => {
  const at = new Date("2024-05-01T12:00:00Z");
  const ev = (userId: string, i: number, sessionId?: string): RecordedEvent => ({
    eventId: `${userId}-${i}`,
    userId,
    itemId: `item-${i}`,
    type: "VIEW",
    weight: 1,
    timestamp: at,
    sessionId,
  });

  it("keeps arrival order within a session and splits at 10", () => {
    const events = Array.from({ length: 21 }, (_, i) => ev("u1", i, "s"));
    const batches = batchesPerSession(events);
    expect(batches.map((b) => b.events.length)).toEqual([10, 10, 1]);
    expect(batches.flatMap((b) => b.events.map((e) => e.eventId))).toEqual(events.map((e) => e.eventId));
  });

  it("never mixes users or sessions in one batch, even with look-alike ids", () => {
    const batches = batchesPerSession([ev("a|b", 1, "c"), ev("a", 2, "b|c"), ev("a", 3), ev("a|b", 4, "c")]);
    expect(batches.map((b) => [b.userId, b.sessionId, b.events.length])).toEqual([
      ["a|b", "c", 2],
      ["a", "b|c", 1],
      ["a", derivedSessionId("a", at), 1],
    ]);
  });
});
