import type { FactorParams } from "../factors/types";

/** Implicit-feedback ALS (Hu, Koren and Volinsky 2008). */
export interface AlsParams extends FactorParams {
  /** λ: L2 penalty on every user and item vector. */
  regularization: number;
  /** α: an interaction of weight w counts with confidence 1 + α·w; every other pair with confidence 1. */
  alpha: number;
}
