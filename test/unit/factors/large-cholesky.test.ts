import { describe, expect, it } from "vitest";
import { inverseCholeskyFactor } from "../../../src/factors/large-cholesky";
import { cholesky, invertLower } from "../../../src/factors/linalg";
import { seededRandom } from "../../../src/factors/random";

describe("inverseCholeskyFactor", () => {
  // Odd and even widths, one row, widths across the blocks of 64 rows, on one thread and on two.
  for (const [k, threads] of [
    [1, 1],
    [2, 1],
    [7, 1],
    [64, 1],
    [65, 1],
    [131, 1],
    [131, 2],
    [200, 2],
  ]) {
    it(`gives linalg's cholesky + invertLower to rounding, k = ${k}, ${threads} thread(s)`, () => {
      const random = seededRandom(k);
      const M = new Float64Array(k * k);
      for (let i = 0; i < k; i++)
        for (let j = 0; j <= i; j++) M[i * k + j] = i === j ? k + random() : random() - 0.5;
      // Something in the upper triangle, which is not part of the input.
      if (k > 1) M[1] = 99;
      const expected = M.slice();
      cholesky(expected, k);
      invertLower(expected, k);
      const W = inverseCholeskyFactor(M, k, threads);
      for (let i = 0; i < k; i++)
        for (let j = 0; j < k; j++) {
          if (j > i) expect(W[i * k + j]).toBe(0);
          else expect(W[i * k + j]).toBeCloseTo(expected[i * k + j]!, 12);
        }
    });
  }

  it("refuses a matrix that is not positive definite", () => {
    expect(() => inverseCholeskyFactor(Float64Array.from([1, 0, 2, 1]), 2)).toThrow(/not positive definite/);
  });
});
