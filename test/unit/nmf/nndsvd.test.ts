import { describe, expect, it } from "vitest";
import { OVERSAMPLES, nndsvdaFactors } from "../../../src/nmf/nndsvd";
import { interactionMatrix } from "../../../src/factors/sparse";
import { TrainingKernels } from "../../../src/nmf/training-kernels";
import type { Interaction } from "../../../src/factors/types";

/** Two disjoint blocks: users a0..a9 x items x0..x7 (weight 3), users b0..b11 x items y0..y5 (weight 1). */
function twoBlocks(): Interaction[] {
  const out: Interaction[] = [];
  for (let u = 0; u < 10; u++)
    for (let i = 0; i < 8; i++) out.push({ userId: `a${u}`, itemId: `x${i}`, weight: 3 });
  for (let u = 0; u < 12; u++)
    for (let i = 0; i < 6; i++) out.push({ userId: `b${u}`, itemId: `y${i}`, weight: 1 });
  return out;
}

describe("nndsvdaFactors", () => {
  it("starts from the leading singular pairs: each block on its own factor, nonnegative, exact for the block", () => {
    const matrix = interactionMatrix(twoBlocks());
    const kernels = new TrainingKernels(matrix, 2, 2 + OVERSAMPLES);
    nndsvdaFactors(matrix, kernels, 2, 42);
    const { W, H } = kernels;
    const w = (i: number, f: number): number => W.data[i * W.stride + f]!;
    const h = (i: number, f: number): number => H.data[i * H.stride + f]!;
    const mean = (10 * 8 * 3 + 12 * 6) / (22 * 14);
    const users = matrix.userIds.map((id, i) => ({ block: id[0], i }));
    // The heavier block (singular value 3·√80) leads; the other comes second.
    for (const { block, i } of users) {
      const [own, other] = block === "a" ? [0, 1] : [1, 0];
      expect(w(i, own)).toBeCloseTo(
        block === "a" ? Math.sqrt((3 * Math.sqrt(80)) / 10) : Math.sqrt(Math.sqrt(72) / 12),
        6,
      );
      expect(w(i, other)).toBeCloseTo(mean, 9); // a zero, filled with the matrix mean
    }
    // A rank-one block is reproduced exactly by its own pair: w·h = 3 inside block a.
    const a = matrix.userIds.indexOf("a0");
    const x = matrix.itemIds.indexOf("x0");
    expect(w(a, 0) * h(x, 0)).toBeCloseTo(3, 6);
    const b = matrix.userIds.indexOf("b0");
    const y = matrix.itemIds.indexOf("y0");
    expect(w(b, 1) * h(y, 1)).toBeCloseTo(1, 6);
    expect(Math.min(...W.data, ...H.data)).toBeGreaterThanOrEqual(0);
    // Padding columns stay zero: the SIMD kernels rely on it.
    for (let r = 0; r < W.rows; r++) for (let f = 2; f < W.stride; f++) expect(w(r, f)).toBe(0);
  });
});
