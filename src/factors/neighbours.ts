import { DotKernel } from "./dot-kernel";
import { TopK } from "./top-k";

export const NEIGHBOURS_PER_ITEM = 50;

/** For every item, its most cosine-similar items (best first); -1 pads items with fewer neighbours. */
export interface ItemNeighbours {
  perItem: number;
  ids: Int32Array;
  scores: Float32Array;
}

/**
 * All-pairs cosine similarity of the item factors, kept to the top `perItem` per item. Runs once at
 * training time so `related` only reads a short stored list. The similarities come from the SIMD
 * dot kernel over the normalised factors, four items per pass over the catalog. Cost O(items² · k):
 * a few seconds for 20k items x 64 factors.
 */
export function computeNeighbours(
  itemFactors: Float32Array,
  n: number,
  k: number,
  perItem = NEIGHBOURS_PER_ITEM,
): ItemNeighbours {
  const unit = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let f = 0; f < k; f++) norm += itemFactors[i * k + f]! ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let f = 0; f < k; f++) unit[i * k + f] = itemFactors[i * k + f]! * inv;
  }
  const kernel = new DotKernel(unit, n, k);
  const keep = Math.min(perItem, Math.max(0, n - 1));
  const ids = new Int32Array(n * perItem).fill(-1);
  const scores = new Float32Array(n * perItem);
  for (let first = 0; first < n; first += 4) {
    const block = Math.min(4, n - first);
    const similarity = kernel.scoreFour(
      Array.from({ length: block }, (_, q) => unit.subarray((first + q) * k, (first + q + 1) * k)),
    );
    for (let q = 0; q < block; q++) {
      const i = first + q;
      const heap = new TopK(keep);
      let threshold = heap.threshold;
      for (let j = 0; j < n; j++) {
        const s = similarity[4 * j + q]!;
        if (s > threshold && j !== i) {
          heap.push(j, s);
          threshold = heap.threshold;
        }
      }
      heap.sorted().forEach(({ index, score }, slot) => {
        ids[i * perItem + slot] = index;
        scores[i * perItem + slot] = score;
      });
    }
  }
  return { perItem, ids, scores };
}
