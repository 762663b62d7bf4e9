import { describe, expect, it } from "vitest";
import { AbSplit, abBucket } from "../../../src/strategies/ab";

const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);

describe("abBucket", () => {
  it("is stable for a user and lies in [0, 1)", () => {
    for (const u of users.slice(0, 200)) {
      const b = abBucket(u, "salt");
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(1);
      expect(abBucket(u, "salt")).toBe(b);
    }
  });

  it("changes with the experiment salt", () => {
    const moved = users.slice(0, 200).filter((u) => abBucket(u, "a") !== abBucket(u, "b"));
    expect(moved.length).toBe(200);
  });
});

describe("AbSplit", () => {
  it("gives the same user the same variant every time and across instances", () => {
    const split = new AbSplit([
      { strategy: "NMF", weight: 80 },
      { strategy: "PERSONALIZE", weight: 20 },
    ]);
    const again = new AbSplit([
      { strategy: "NMF", weight: 80 },
      { strategy: "PERSONALIZE", weight: 20 },
    ]);
    for (const u of users.slice(0, 500)) {
      const first = split.assign(u);
      expect(split.assign(u)).toEqual(first);
      expect(again.assign(u)).toEqual(first);
    }
  });

  it("names variants after strategy and weight", () => {
    const split = new AbSplit([
      { strategy: "NMF", weight: 80 },
      { strategy: "PERSONALIZE", weight: 20 },
    ]);
    const names = new Set(users.slice(0, 1000).map((u) => split.assign(u).variant));
    expect([...names].sort()).toEqual(["NMF:80", "PERSONALIZE:20"]);
    for (const u of users.slice(0, 100)) {
      const a = split.assign(u);
      expect(a.variant.startsWith(`${a.strategy}:`)).toBe(true);
    }
  });

  it.each([
    [80, 20],
    [50, 50],
    [1, 3],
  ])("splits 10k users close to %i:%i", (a, b) => {
    const split = new AbSplit([
      { strategy: "NMF", weight: a },
      { strategy: "PERSONALIZE", weight: b },
    ]);
    const nmf = users.filter((u) => split.assign(u).strategy === "NMF").length;
    expect(Math.abs(nmf / users.length - a / (a + b))).toBeLessThan(0.02);
  });

  it("splits three ways in proportion", () => {
    const split = new AbSplit([
      { strategy: "NMF", weight: 50 },
      { strategy: "PERSONALIZE", weight: 30 },
      { strategy: "SAGEMAKER_XGBOOST", weight: 20 },
    ]);
    const counts = new Map<string, number>();
    for (const u of users) {
      const s = split.assign(u).strategy;
      counts.set(s, (counts.get(s) ?? 0) + 1);
    }
    expect(Math.abs((counts.get("NMF") ?? 0) / 10_000 - 0.5)).toBeLessThan(0.02);
    expect(Math.abs((counts.get("PERSONALIZE") ?? 0) / 10_000 - 0.3)).toBeLessThan(0.02);
    expect(Math.abs((counts.get("SAGEMAKER_XGBOOST") ?? 0) / 10_000 - 0.2)).toBeLessThan(0.02);
  });

  it("moves users only toward the variant whose weight grew", () => {
    const before = new AbSplit([
      { strategy: "NMF", weight: 90 },
      { strategy: "PERSONALIZE", weight: 10 },
    ]);
    const after = new AbSplit([
      { strategy: "NMF", weight: 80 },
      { strategy: "PERSONALIZE", weight: 20 },
    ]);
    // Buckets are cumulative from NMF's side: growing PERSONALIZE only moves NMF users over, never back.
    const movedBack = users.filter(
      (u) => before.assign(u).strategy === "PERSONALIZE" && after.assign(u).strategy === "NMF",
    );
    expect(movedBack).toEqual([]);
  });

  it("rejects an empty split or zero weights", () => {
    expect(() => new AbSplit([])).toThrow(/positive weights/);
    expect(() => new AbSplit([{ strategy: "NMF", weight: 0 }])).toThrow(/positive weights/);
  });
});
