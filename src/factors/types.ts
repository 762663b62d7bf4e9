/** One weighted user-item interaction; repeated pairs add up. */
export interface Interaction {
  userId: string;
  itemId: string;
  weight: number;
  timestamp?: number;
}

export interface TrainingProgress {
  iteration: number;
  loss: number;
  elapsedMs: number;
}

/** The model families trained in this process; each is a folder (src/nmf, src/als, src/ease) with its trainer and fold-in. */
export const FAMILY_NAMES = ["NMF", "ALS", "EASE"] as const;
export type FamilyName = (typeof FAMILY_NAMES)[number];

/** Settings every family has; each family adds its own. */
export interface FactorParams {
  /** Number of latent factors. */
  components: number;
  /** Maximum number of epochs. */
  iterations: number;
  seed: number;
}
