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
 * training time so `related` only reads a short stored list. Factor-major unit vectors make the inner
 * loop a contiguous multiply-add over all items.
 */
export function computeNeighbours(
  itemFactors: Float32Array,
  n: number,
  k: number,
  perItem = NEIGHBOURS_PER_ITEM,
): ItemNeighbours {
  const unit = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let norm = 0;
    for (let f = 0; f < k; f++) norm += itemFactors[i * k + f]! ** 2;
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let f = 0; f < k; f++) unit[f * n + i] = itemFactors[i * k + f]! * inv;
  }
  const keep = Math.min(perItem, Math.max(0, n - 1));
  const ids = new Int32Array(n * perItem).fill(-1);
  const scores = new Float32Array(n * perItem);
  const sims = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    sims.fill(0);
    for (let f = 0; f < k; f++) {
      const a = unit[f * n + i]!;
      if (a === 0) continue;
      const row = f * n;
      for (let j = 0; j < n; j++) sims[j]! += a * unit[row + j]!;
    }
    const top = new TopK(keep);
    for (let j = 0; j < n; j++) if (j !== i && sims[j]! > top.threshold) top.push(j, sims[j]!);
    top.sorted().forEach(({ index, score }, slot) => {
      ids[i * perItem + slot] = index;
      scores[i * perItem + slot] = score;
    });
  }
  return { perItem, ids, scores };
}
