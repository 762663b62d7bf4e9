import type { FactorParams } from "../factors/types";

/**
 * EASE (Steck 2019). Its only setting is λ; the rest is what training found: `components` is
 * min(users, items) of the training data (the width of its exact factorization, see train.ts),
 * `iterations` 1 (a closed form) and `seed` 0 (nothing is random).
 */
export interface EaseParams extends FactorParams {
  /** λ: the L2 penalty on the item-item weights (added to the Gram matrix's diagonal). */
  regularization: number;
}
