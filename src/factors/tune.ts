import { evaluateRanker, modelRanker, splitPerUser, VALIDATION } from "./evaluate";
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
 * Seeded search over the family's search space, every trial trained on the same per-user split and
 * judged by NDCG@10 on its held-out part. The first trial is the current settings, so the winner is
 * never worse than them on this split. Then random draws explore the space for a third of the
 * trials; the rest search around the best so far, moving settings one step along their lists of
 * values (a pattern search). Repeats are skipped.
 */
export function tuneFamily(
  matrix: InteractionMatrix,
  family: ModelFamily,
  current: FactorParams,
  options: TuneOptions,
): { trials: Trial[]; best: Trial } {
  const split = splitPerUser(matrix, options.trainFraction ?? VALIDATION.trainFraction, options.seed);
  const random = seededRandom(options.seed);
  const tried = new Set<string>();
  const trials: Trial[] = [];
  const space = Object.entries(family.searchSpace).filter(([name]) => !options.fixed?.includes(name));
  // A third explores; the rest refine.
  const explore = Math.ceil(options.trials / 3);
  const best = (): Trial => trials.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  const untried = (params: Params): boolean => !tried.has(JSON.stringify(params));
  const randomDraw = (): Params => {
    const params = { ...(current as unknown as Params) };
    for (const [name, values] of space) params[name] = values[Math.floor(random() * values.length)]!;
    return params;
  };
  /** Single moves of the point: one setting one step along its list of values. */
  const moves = (from: Params): Params[] =>
    space.flatMap(([name, values]) => {
      const at = nearest(values, from[name]!);
      return [at - 1, at + 1].filter((i) => i >= 0 && i < values.length).map((i) => ({ [name]: values[i]! }));
    });
  // Every single move of a centre is tried before the best so far becomes the next centre (a
  // greedy step would follow the first improvement, often the wrong way along a ridge); once a
  // centre's single moves are all worse, pairs of moves, since settings work together (more factors
  // want more regularization).
  let centre: Params | undefined;
  const step = (): Params | undefined => {
    const leader = best().params as unknown as Params;
    centre ??= leader;
    const from = centre;
    const singles = moves(from);
    const single = singles.map((move) => ({ ...from, ...move })).find(untried);
    if (single) return single;
    if (leader !== from) {
      centre = leader;
      return step();
    }
    return singles
      .flatMap((a, i) =>
        singles
          .slice(i + 1)
          .filter((b) => !Object.keys(b).some((name) => name in a))
          .map((b) => ({ ...from, ...a, ...b })),
      )
      .find(untried);
  };
  for (let draw = 0; trials.length < options.trials && draw < options.trials * 20; draw++) {
    const params =
      draw === 0
        ? { ...(current as unknown as Params) }
        : trials.length < explore
          ? randomDraw()
          : (step() ?? randomDraw());
    if (!untried(params)) continue;
    tried.add(JSON.stringify(params));
    const started = Date.now();
    const model = family.train(split.train, params as unknown as FactorParams, { threads: options.threads });
    const { ndcg } = evaluateRanker(split, modelRanker(model), {
      k: VALIDATION.k,
      maxUsers: options.validationUsers ?? VALIDATION.maxUsers,
      seed: options.seed,
    });
    const trial = { params: params as unknown as FactorParams, ndcg, seconds: (Date.now() - started) / 1000 };
    trials.push(trial);
    options.onTrial?.(trial, trials.length - 1);
  }
  return { trials, best: best() };
}

type Params = Record<string, number>;

/** The index of the value closest to `value` (settings from the environment may lie between). */
function nearest(values: readonly number[], value: number): number {
  let at = 0;
  values.forEach((v, i) => {
    if (Math.abs(v - value) < Math.abs(values[at]! - value)) at = i;
  });
  return at;
}
