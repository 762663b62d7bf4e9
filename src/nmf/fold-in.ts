/**
 * The nonnegative user vector that minimises the training objective for one user against fixed
 * item factors H: the k x k normal equations A·x = b with
 *   A = HᵀH + l2·I,   b = sum over the user's items of weight·h_i - l1/2,
 * solved by projected coordinate descent (exact per coordinate; converges since A is positive
 * semidefinite plus l2). Cost O(items of the user · k + sweeps · k²), independent of the catalog.
 */
export function foldInVector(
  itemFactors: Float32Array,
  itemGram: Float64Array,
  k: number,
  entries: ReadonlyArray<{ item: number; weight: number }>,
  penalties: { l2: number; l1: number },
): Float32Array {
  const A = Float64Array.from(itemGram);
  const b = new Float64Array(k);
  for (let f = 0; f < k; f++) {
    A[f * k + f]! += penalties.l2;
    b[f] = -penalties.l1 / 2;
  }
  for (const { item, weight } of entries) {
    const h = item * k;
    for (let f = 0; f < k; f++) b[f]! += weight * itemFactors[h + f]!;
  }
  const x = new Float64Array(k);
  for (let f = 0; f < k; f++) x[f] = A[f * k + f]! > 0 ? Math.max(0, b[f]! / A[f * k + f]!) : 0;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let change = 0;
    let size = 0;
    for (let f = 0; f < k; f++) {
      let grad = -b[f]!;
      for (let g = 0; g < k; g++) grad += A[f * k + g]! * x[g]!;
      if (A[f * k + f]! <= 0) continue;
      const next = Math.max(0, x[f]! - grad / A[f * k + f]!);
      change = Math.max(change, Math.abs(next - x[f]!));
      size = Math.max(size, next);
      x[f] = next;
    }
    if (change <= 1e-6 * size) break;
  }
  return Float32Array.from(x);
}

const MAX_SWEEPS = 200;
