/** One weighted user-item interaction; repeated pairs add up. */
export interface Interaction {
  userId: string;
  itemId: string;
  weight: number;
  timestamp?: number;
}

export interface NmfParams {
  /** Number of latent factors. */
  components: number;
  /** Maximum number of epochs (one pass over users, then items). */
  iterations: number;
  /** L2 penalty on every factor entry. */
  l2: number;
  /** L1 penalty on every factor entry (sparser factors). */
  l1: number;
  seed: number;
  /** Stop when an epoch lowers the loss by less than this fraction of the first epoch's decrease. */
  tolerance?: number;
}

export interface TrainingProgress {
  iteration: number;
  loss: number;
  elapsedMs: number;
}
