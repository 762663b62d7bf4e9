import type { FactorParams } from "../factors/types";

export interface NmfParams extends FactorParams {
  /** L2 penalty on every factor entry. */
  l2: number;
  /** L1 penalty on every factor entry (sparser factors). */
  l1: number;
  /** Stop when an epoch lowers the loss by less than this fraction of the first epoch's decrease. */
  tolerance?: number;
}
