import { describe, expect, it } from "vitest";
import { pairedDifference } from "../../../src/stats/paired";

describe("pairedDifference", () => {
  it("gives the mean of b - a and the t-interval's half-width from the differences' spread", () => {
    // Differences 1, 2, 3, 4: mean 2.5, sample variance 5/3, standard error sqrt(5/3 / 4).
    const d = pairedDifference([0, 0, 0, 0], [1, 2, 3, 4]);
    const half = 1.959964 * Math.sqrt(5 / 3 / 4);
    expect(d.mean).toBeCloseTo(2.5, 12);
    expect(d.lower).toBeCloseTo(2.5 - half, 5);
    expect(d.upper).toBeCloseTo(2.5 + half, 5);
    expect(d.n).toBe(4);
  });

  it("resolves a small difference that the users' own spread would hide, because it pairs them", () => {
    const a = Array.from({ length: 200 }, (_, i) => (i % 10) / 10);
    const b = a.map((x, i) => x + 0.01 + (i % 2 ? 0.002 : -0.002));
    const d = pairedDifference(a, b);
    expect(d.mean).toBeCloseTo(0.01, 10);
    expect(d.lower).toBeGreaterThan(0);
    // Reversed, the same interval mirrored.
    const r = pairedDifference(b, a);
    expect(r.upper).toBeCloseTo(-d.lower, 12);
  });

  it("holds 0 when the differences go both ways, and has no width to give for one pair", () => {
    const d = pairedDifference([0.5, 0.5, 0.5, 0.5], [0.6, 0.4, 0.7, 0.3]);
    expect(d.lower).toBeLessThan(0);
    expect(d.upper).toBeGreaterThan(0);
    expect(pairedDifference([1], [2])).toMatchObject({ mean: 1, lower: -Infinity, upper: Infinity });
    expect(() => pairedDifference([1, 2], [1])).toThrow(/differ in length/);
  });
});
