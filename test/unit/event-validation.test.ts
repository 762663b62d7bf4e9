import { describe, expect, it } from "vitest";
import { InputError } from "../../src/domain/errors";
import { validateEvent } from "../../src/events/event.validation";

const rules = { weights: { VIEW: 1, ADD_TO_CART: 3, PURCHASE: 5, RATING: 2 }, maxFutureSkewSeconds: 300 };
const now = Date.UTC(2026, 10, 21, 12);

function fieldOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error.field;
    throw error;
  }
  throw new Error("expected an InputError");
}

describe("validateEvent", () => {
  it("accepts a valid event and weights it by type", () => {
    const event = validateEvent({ userId: "u1", itemId: "i1", type: "purchase", value: 19.5 }, rules, now);
    expect(event).toMatchObject({
      userId: "u1",
      itemId: "i1",
      type: "PURCHASE",
      weight: 5,
      value: 19.5,
      timestamp: now,
    });
  });

  it("reads unix seconds, milliseconds and ISO 8601 timestamps", () => {
    const iso = "2026-11-20T10:00:00.000Z";
    const ms = Date.parse(iso);
    for (const timestamp of [ms / 1000, ms, String(ms / 1000), iso, new Date(ms)]) {
      expect(validateEvent({ userId: "u", itemId: "i", type: "VIEW", timestamp }, rules, now).timestamp).toBe(
        ms,
      );
    }
  });

  it("rejects timestamps more than five minutes ahead, but allows clock skew below that", () => {
    expect(
      fieldOf(() =>
        validateEvent({ userId: "u", itemId: "i", type: "VIEW", timestamp: now + 301_000 }, rules, now),
      ),
    ).toBe("timestamp");
    expect(
      validateEvent({ userId: "u", itemId: "i", type: "VIEW", timestamp: now + 299_000 }, rules, now)
        .timestamp,
    ).toBe(now + 299_000);
    expect(
      fieldOf(() =>
        validateEvent({ userId: "u", itemId: "i", type: "VIEW", timestamp: "yesterday" }, rules, now),
      ),
    ).toBe("timestamp");
  });

  it("names the field of empty, long and unprintable ids", () => {
    expect(fieldOf(() => validateEvent({ userId: "", itemId: "i", type: "VIEW" }, rules, now))).toBe(
      "userId",
    );
    expect(
      fieldOf(() => validateEvent({ userId: "u", itemId: "x".repeat(257), type: "VIEW" }, rules, now)),
    ).toBe("itemId");
    expect(fieldOf(() => validateEvent({ userId: "u\u0000", itemId: "i", type: "VIEW" }, rules, now))).toBe(
      "userId",
    );
    expect(
      validateEvent({ userId: "ü-名前 1", itemId: "x".repeat(256), type: "VIEW" }, rules, now).userId,
    ).toBe("ü-名前 1");
  });

  it("rejects unknown types, and ratings without a value", () => {
    expect(fieldOf(() => validateEvent({ userId: "u", itemId: "i", type: "CLICK" }, rules, now))).toBe(
      "type",
    );
    expect(fieldOf(() => validateEvent({ userId: "u", itemId: "i", type: "RATING" }, rules, now))).toBe(
      "value",
    );
    expect(
      fieldOf(() => validateEvent({ userId: "u", itemId: "i", type: "VIEW", value: Number.NaN }, rules, now)),
    ).toBe("value");
    expect(validateEvent({ userId: "u", itemId: "i", type: "RATING", value: 4 }, rules, now).weight).toBe(8);
  });

  it("takes values DynamoDB, its SDK and float32 fields hold, and names the value otherwise", () => {
    const valueOf = (type: string, value: number) =>
      validateEvent({ userId: "u", itemId: "i", type, value }, rules, now);
    for (const ok of [0, 1e-130, -1e-130, 19.99, -Number.MAX_SAFE_INTEGER, 2 ** 53 - 1])
      expect(valueOf("VIEW", ok).value).toBe(ok);
    for (const bad of [1e300, 1e-200, -1e-131, 2 ** 53, 3.5e38, Number.POSITIVE_INFINITY])
      expect(fieldOf(() => valueOf("VIEW", bad))).toBe("value");
    // In range alone, out of range once weighted (RATING weighs 2 here).
    expect(fieldOf(() => valueOf("RATING", 2 ** 52))).toBe("value");
  });
});
