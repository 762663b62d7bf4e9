import type { FactorParams } from "../factors/types";

/** Implicit-feedback ALS (Hu, Koren and Volinsky 2008). */
export interface AlsParams extends FactorParams {
  /** λ: L2 penalty on every user and item vector, scaled per row by regularizationExponent. */
  regularization: number;
  /**
   * ν: a row (user or item) of n interactions has the penalty λ·((1 + n) / (1 + n̄))^ν, n̄ the average
   * of its side, so vectors fitted to more data may take larger values (Rendle et al. 2021,
   * frequency-scaled regularisation); 0 (and absent, in models trained before it existed) is one λ for all.
   */
  regularizationExponent?: number;
  /** α: an interaction of weight w counts with confidence 1 + α·w; every other pair with confidence 1. */
  alpha: number;
}
