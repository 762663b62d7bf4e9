import { evaluateRanker, modelRanker, splitPerUser } from "./evaluate";
import type { ModelFamily } from "./family";
import { seededRandom } from "./random";
import type { InteractionMatrix } from "./sparse";
import type { FactorParams } from "./types";

export interface Trial {
  params: FactorParams;
  /** NDCG@10 on the validation split. */
  ndcg: number;
  seconds: number;
}

export interface TuneOptions {
  trials: number;
  seed: number;
  /** Share of each user's items the trials train on; the rest is what they are judged by. */
  trainFraction?: number;
  /** Judge on a seeded sample of at most this many users. */
  validationUsers?: number;
  threads?: number;
  /** Settings the search leaves as they are (those the environment sets). */
  fixed?: readonly string[];
  onTrial?: (trial: Trial, index: number) => void;
}

/**
 * Seeded random search over the family's search space: every trial trains on the same per-user
 * split and is judged by NDCG@10 on its held-out part. The first trial is the current settings, so
 * the winner is never worse than them on this split; repeated draws are skipped.
 */
export function tuneFamily(
  matrix: InteractionMatrix,
  family: ModelFamily,
  current: FactorParams,
  options: TuneOptions,
): { trials: Trial[]; best: Trial } {
  const split = splitPerUser(matrix, options.trainFraction ?? 0.8, options.seed);
  const random = seededRandom(options.seed);
  const tried = new Set<string>();
  const trials: Trial[] = [];
  const space = Object.entries(family.searchSpace).filter(([name]) => !options.fixed?.includes(name));
  for (let draw = 0; trials.length < options.trials && draw < options.trials * 20; draw++) {
    const params: Record<string, number> = { ...(current as unknown as Record<string, number>) };
    if (draw > 0)
      for (const [name, values] of space) params[name] = values[Math.floor(random() * values.length)]!;
    const key = JSON.stringify(params);
    if (tried.has(key)) continue;
    tried.add(key);
    const started = Date.now();
    const model = family.train(split.train, params as unknown as FactorParams, { threads: options.threads });
    const { ndcg } = evaluateRanker(split, modelRanker(model), {
      k: 10,
      maxUsers: options.validationUsers ?? 5_000,
      seed: options.seed,
    });
    const trial = { params: params as unknown as FactorParams, ndcg, seconds: (Date.now() - started) / 1000 };
    trials.push(trial);
    options.onTrial?.(trial, trials.length - 1);
  }
  const best = trials.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  return { trials, best };
}
