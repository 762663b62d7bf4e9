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
  /** A screening run (a quarter of the epochs): compared only with other screens, never the winner. */
  screen: boolean;
  /** Epochs it trained: params.iterations, or a quarter of them for a screen. */
  epochs: number;
}

export interface TuneOptions {
  /** The budget, in full trainings: the full trials plus the screens' cost. */
  trials: number;
  seed: number;
  /** Share of each user's items the trials train on; the rest is what they are judged by. */
  trainFraction?: number;
  /** Judge on a seeded sample of at most this many users. */
  validationUsers?: number;
  threads?: number;
  /** Settings the search leaves as they are (those the environment sets). */
  fixed?: readonly string[];
  /** Every trial, screens included, as it finishes; `index` counts the full trials. */
  onTrial?: (trial: Trial, index: number) => void;
}

/**
 * Whether the search screens settings at a quarter of the epochs: not for a family that trains in
 * closed form (EASE), where a screen would cost a full trial.
 */
export function screensEpochs(family: ModelFamily): boolean {
  return family.paramNames.includes("iterations");
}

/** Screening runs per full training of the budget (each runs a quarter of the epochs). */
const SCREENS_PER_TRIAL = 4;
/** Screened draws that go on to a full trial. */
const PROMOTED = 2;

/**
 * Seeded search over the family's search space, every trial trained on the same per-user split and
 * judged by NDCG@10 on its held-out part. The first trial is the current settings, so the winner is
 * never worse than them on this split. A third of the budget screens random draws, four for the
 * price of one full training: each trains a quarter of the current epochs, which ranks settings
 * much as full training does (the idea behind successive halving, Jamieson and Talwalkar 2016) and covers the
 * space far better than a few full draws. The two best screens get full trials; the rest of the
 * budget searches around the best full trial, moving settings one step along their lists of values
 * (a pattern search). Repeats are skipped. The winner is the cheapest trial within TIE of the best.
 */
export function tuneFamily(
  matrix: InteractionMatrix,
  family: ModelFamily,
  current: FactorParams,
  options: TuneOptions,
): { trials: Trial[]; screens: Trial[]; best: Trial } {
  const split = splitPerUser(matrix, options.trainFraction ?? VALIDATION.trainFraction, options.seed);
  const random = seededRandom(options.seed);
  const start = { ...(current as unknown as Params) };
  const tried = new Set<string>();
  const trials: Trial[] = [];
  const screens: Trial[] = [];
  const space = Object.entries(family.searchSpace).filter(([name]) => !options.fixed?.includes(name));
  // A third of the budget screens (none when the budget is one trial, or without epochs to screen);
  // the rest are full trials.
  const explore = options.trials > 1 && screensEpochs(family) ? Math.ceil(options.trials / 3) : 0;
  const fullTrials = options.trials - explore;
  const best = (): Trial => trials.reduce((a, b) => (b.ndcg > a.ndcg ? b : a));
  const untried = (params: Params): boolean => !tried.has(JSON.stringify(params));

  const run = (params: Params, screen: boolean): void => {
    const started = Date.now();
    const iterations = screen ? Math.max(1, Math.round(start.iterations! / 4)) : params.iterations!;
    const model = family.train(split.train, { ...params, iterations } as unknown as FactorParams, {
      threads: options.threads,
    });
    const { ndcg } = evaluateRanker(split, modelRanker(model, split.train), {
      k: VALIDATION.k,
      maxUsers: options.validationUsers ?? VALIDATION.maxUsers,
      seed: options.seed,
    });
    const trial = {
      params: params as unknown as FactorParams,
      ndcg,
      seconds: (Date.now() - started) / 1000,
      screen,
      epochs: iterations,
    };
    (screen ? screens : trials).push(trial);
    options.onTrial?.(trial, trials.length - 1);
  };
  const full = (params: Params): void => {
    if (trials.length >= fullTrials || !untried(params)) return;
    tried.add(JSON.stringify(params));
    run(params, false);
  };

  full(start);
  // Screens: the draws keep the current epochs (a screen cannot judge them; the pattern search can).
  const screened = new Set<string>([JSON.stringify(start)]);
  for (
    let draw = 0;
    screens.length < SCREENS_PER_TRIAL * explore && draw < 20 * SCREENS_PER_TRIAL * explore;
    draw++
  ) {
    const params = { ...start };
    for (const [name, values] of space)
      if (name !== "iterations") params[name] = values[Math.floor(random() * values.length)]!;
    const key = JSON.stringify(params);
    if (screened.has(key)) continue;
    screened.add(key);
    run(params, true);
  }
  [...screens]
    .sort((a, b) => b.ndcg - a.ndcg)
    .slice(0, PROMOTED)
    .forEach((screen) => full(screen.params as unknown as Params));

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
  for (let next = step(); next && trials.length < fullTrials; next = step()) full(next);
  return { trials, screens, best: cheapestNearBest(trials) };
}

/**
 * Within this share of the best NDCG@10 trials are a tie, and the cheapest wins: about the spread
 * between settings that differ only where it cannot matter (NMF's 100 and 200 epochs). Not wider: the
 * trials train on part of the training data, where smaller and shorter models do relatively better
 * than they will on all of it, and at 1% the cheaper pick lost 1-4% NDCG@10 on bench:quality's test
 * splits (4 of 22 tunings: ALS on the ratings-shaped set for three of five seeds, NMF on the 5,000-user
 * events once).
 */
export const TIE = 0.0025;

/**
 * The cheapest trial (fewest components x epochs) among those tied with the best; the best itself
 * when the family's settings do not change its cost (EASE's λ).
 */
function cheapestNearBest(trials: Trial[]): Trial {
  const top = Math.max(...trials.map((t) => t.ndcg));
  const cost = (t: Trial): number => (t.params.components ?? 1) * (t.params.iterations ?? 1);
  return trials
    .filter((t) => t.ndcg >= top * (1 - TIE))
    .reduce((a, b) => (cost(b) < cost(a) || (cost(b) === cost(a) && b.ndcg > a.ndcg) ? b : a));
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
