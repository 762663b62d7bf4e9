import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DotKernel } from "../../../src/factors/dot-kernel";
import { interactionMatrix, type InteractionMatrix } from "../../../src/factors/sparse";
import { TrainingKernels, type Dense } from "../../../src/nmf/training-kernels";

/** A random small matrix and its dense copy (users x items). */
function smallMatrix(entries: Array<{ u: number; i: number; w: number }>): {
  matrix: InteractionMatrix;
  dense: Float64Array;
} {
  const matrix = interactionMatrix(
    entries.map(({ u, i, w }) => ({ userId: `u${u}`, itemId: `i${i}`, weight: w })),
  );
  const n = matrix.itemIds.length;
  const dense = new Float64Array(matrix.userIds.length * n);
  for (let r = 0; r < matrix.userIds.length; r++)
    for (let p = matrix.rowPtr[r]!; p < matrix.rowPtr[r + 1]!; p++)
      dense[r * n + matrix.colIdx[p]!] = matrix.values[p]!;
  return { matrix, dense };
}

/** Fills the live columns of X with nonnegative values (some zero); padding stays zero. */
function fill(X: Dense, salt: number): void {
  for (let i = 0; i < X.rows; i++)
    for (let f = 0; f < X.width; f++) X.data[i * X.stride + f] = ((i * 7 + f * salt) % 11) / 4;
}

const at = (X: Dense, i: number, f: number): number => X.data[i * X.stride + f]!;

const entries = fc.array(fc.record({ u: fc.nat(12), i: fc.nat(9), w: fc.integer({ min: 1, max: 5 }) }), {
  minLength: 1,
  maxLength: 60,
});

describe("TrainingKernels (WebAssembly SIMD)", () => {
  it("multiplies R and Rᵀ by dense matrices like a dense product, at any width", () => {
    fc.assert(
      fc.property(
        entries,
        fc.integer({ min: 1, max: 19 }),
        fc.integer({ min: 1, max: 50 }),
        (list, k, salt) => {
          const { matrix, dense } = smallMatrix(list);
          const m = matrix.userIds.length;
          const n = matrix.itemIds.length;
          const kernels = new TrainingKernels(matrix, k, k + 3);
          for (const [Y, out, outRows, yRows, entry] of [
            [kernels.H, kernels.RH, m, n, (r: number, c: number) => dense[r * n + c]!],
            [kernels.W, kernels.RtW, n, m, (r: number, c: number) => dense[c * n + r]!],
            [kernels.Z, kernels.Q, m, n, (r: number, c: number) => dense[r * n + c]!],
          ] as const) {
            fill(Y, salt);
            if (Y === kernels.W) kernels.timesUsers(Y, out);
            else kernels.timesItems(Y, out);
            for (let r = 0; r < outRows; r++)
              for (let f = 0; f < out.stride; f++) {
                let s = 0;
                for (let c = 0; c < yRows; c++) s += entry(r, c) * at(Y, c, f);
                expect(at(out, r, f)).toBeCloseTo(s, 9);
              }
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("computes Gram matrices and HALS passes like plain loops", () => {
    fc.assert(
      fc.property(
        entries,
        fc.integer({ min: 1, max: 19 }),
        fc.integer({ min: 1, max: 50 }),
        fc.constantFrom(0, 0.05, 2),
        fc.constantFrom(0, 0.3),
        (list, k, salt, l2, l1) => {
          const { matrix } = smallMatrix(list);
          const kernels = new TrainingKernels(matrix, k, k);
          const { W, H, RH, gramH } = kernels;
          fill(W, salt);
          fill(H, salt + 1);
          kernels.timesItems(H, RH);
          kernels.gram(H, gramH);
          for (let f = 0; f < gramH.stride; f++)
            for (let g = 0; g < gramH.stride; g++) {
              let s = 0;
              for (let i = 0; i < H.rows; i++) s += at(H, i, f) * at(H, i, g);
              expect(f < k ? at(gramH, f, g) : 0).toBeCloseTo(s, 9);
            }
          const expected = Float64Array.from(W.data);
          for (let r = 0; r < W.rows; r++)
            for (let f = 0; f < k; f++) {
              let grad = l2 * expected[r * W.stride + f]! + l1 / 2 - at(RH, r, f);
              for (let g = 0; g < k; g++) grad += expected[r * W.stride + g]! * at(gramH, g, f);
              const curvature = at(gramH, f, f) + l2;
              if (curvature <= 0) continue;
              const next = expected[r * W.stride + f]! - grad / curvature;
              expected[r * W.stride + f] = next > 1e-30 ? next : 0;
            }
          kernels.hals(W, RH, gramH, l2, l1);
          for (let x = 0; x < expected.length; x++) expect(W.data[x]).toBeCloseTo(expected[x]!, 9);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("DotKernel (WebAssembly SIMD)", () => {
  it("scores every row like a plain dot product, for any width", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 70 }), (count, dims) => {
        const rows = Float32Array.from({ length: count * dims }, (_, x) => ((x * 7919) % 101) / 50 - 1);
        const query = Float32Array.from({ length: dims }, (_, f) => ((f * 31) % 11) / 4);
        const scores = new DotKernel(rows, count, dims).scoreAll(query);
        expect(scores.length).toBe(count);
        for (let i = 0; i < count; i++) {
          let s = 0;
          for (let f = 0; f < dims; f++) s += query[f]! * rows[i * dims + f]!;
          expect(Math.abs(scores[i]! - s)).toBeLessThan(1e-5 * (1 + Math.abs(s)));
        }
      }),
      { numRuns: 60 },
    );
  });
});
