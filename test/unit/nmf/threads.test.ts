import { describe, expect, it } from "vitest";
import { factorize } from "../../../src/nmf/factorize";
import { equalEntries, equalRows } from "../../../src/factors/kernels/kernel-threads";
import { interactionMatrix } from "../../../src/factors/sparse";
import { plantedInteractions } from "../factors/planted-data";

describe("training on several threads", () => {
  // Above the size where factorize starts helper threads.
  const matrix = interactionMatrix(
    plantedInteractions({ users: 4000, items: 1500, perUser: 60, topics: 10, seed: 8 }),
  );
  const params = { components: 12, iterations: 8, l2: 0.05, l1: 0, seed: 3, tolerance: 0 };

  it("gives the factors of one thread (up to the order of Gram sums)", () => {
    expect(matrix.values.length).toBeGreaterThan(200_000);
    const one = factorize(matrix, params, undefined, 1);
    const three = factorize(matrix, params, undefined, 3);
    expect(three.iterations).toBe(one.iterations);
    expect(three.loss).toBeCloseTo(one.loss, 6);
    let largest = 0;
    for (let i = 0; i < one.itemFactors.length; i++)
      largest = Math.max(largest, Math.abs(one.itemFactors[i]! - three.itemFactors[i]!));
    expect(largest).toBeLessThan(1e-6);
  });
});

describe("row splits", () => {
  it("cover every row once, in order", () => {
    expect(equalRows(10, 3)).toEqual([
      [0, 3],
      [3, 6],
      [6, 10],
    ]);
    expect(equalRows(1, 2)).toEqual([
      [0, 0],
      [0, 1],
    ]);
  });

  it("balance entries when one row holds most of them", () => {
    // Row 0: 90 entries, rows 1-10: 1 each.
    const ptr = Int32Array.from([0, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
    const parts = equalEntries(ptr, 2);
    expect(parts[0]![0]).toBe(0);
    expect(parts.at(-1)![1]).toBe(11);
    for (let t = 1; t < parts.length; t++) expect(parts[t]![0]).toBe(parts[t - 1]![1]);
    expect(parts[1]).toEqual([1, 11]);
  });

  it("shorten the calling thread's range by the work it does meanwhile", () => {
    const ptr = Int32Array.from({ length: 11 }, (_, r) => 10 * r);
    // 100 entries, the caller busy for 40 more: each thread ends with about 70.
    expect(equalEntries(ptr, 2, 0, 40)).toEqual([
      [0, 3],
      [3, 10],
    ]);
    // Busier than the whole pass: the helpers take every row.
    expect(equalEntries(ptr, 2, 0, 500)).toEqual([
      [0, 0],
      [0, 10],
    ]);
  });
});
