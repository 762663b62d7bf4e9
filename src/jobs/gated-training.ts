import {
  evaluateRanker,
  modelRanker,
  popularityRanker,
  splitPerUser,
  VALIDATION,
  type EvaluationOptions,
  type Split,
} from "../factors/evaluate";
import type { ModelFamily } from "../factors/family";
import { decide } from "../factors/gate";
import type { FactorModel, GateDecision, RankingMetrics, TunedSettings } from "../factors/model";
import type { ModelStore } from "../factors/store/model-store";
import type { InteractionMatrix } from "../factors/sparse";
import type { FactorParams, TrainingProgress } from "../factors/types";

export interface GatedTrainingOptions {
  /** Settings of the store's family (its trainer trains the candidate). */
  params: FactorParams;
  /** `recs tune`'s finding, kept in the manifest so that later retraining reuses it. */
  tuned?: TunedSettings;
  /** Refuse a candidate whose NDCG@10 is more than this below the current latest's. */
  allowedNdcgDrop: number;
  /** Promote whatever the figures say. */
  force: boolean;
  /** Versions to keep after pruning. */
  keep: number;
  itemCategories?: ReadonlyMap<string, string>;
  /** Share of each user's items used for training in the validation split. */
  trainFraction?: number;
  /** Validate on a seeded sample of at most this many users: scoring every user of a large log costs more than training. */
  validationUsers?: number;
  log?: (line: string) => void;
  onProgress?: (progress: TrainingProgress) => void;
  /** Threads per training run. */
  threads?: number;
  /**
   * A model trained elsewhere (recs import-factors): validated and saved as it is, not trained here.
   * It has seen the held-out part of the split, so it is judged against `latest`'s stored factors,
   * which have too: the comparison is even, both figures flatter. Popularity stays the floor.
   */
  imported?: FactorModel;
}

export interface GatedTrainingReport {
  version: string;
  promoted: boolean;
  decision: GateDecision;
  metrics: { candidate: RankingMetrics; popularity: RankingMetrics; latest?: RankingMetrics };
  pruned: string[];
  /** Flat numbers for metrics and logs. */
  figures: {
    validationSeconds: number;
    trainingSeconds: number;
    candidateNdcg: number;
    popularityNdcg: number;
    latestNdcg?: number;
    interactions: number;
    users: number;
    items: number;
    iterations: number;
    loss: number;
    modelSizeBytes: number;
  };
}

/**
 * Validates a candidate on a held-out split (NDCG@10 against popularity and the current `latest`),
 * trains the final model on all interactions, saves it with the figures and the decision in its
 * manifest, promotes it when accepted (or forced) and prunes old versions.
 *
 * The final model is retrained on all data rather than reusing the validation model: that one never
 * saw a quarter of every user's interactions, and serving it would ignore them. Training is
 * deterministic, so the validated settings are exactly the ones retrained.
 */
export async function trainThroughGate(
  interactions: InteractionMatrix,
  store: ModelStore,
  options: GatedTrainingOptions,
): Promise<GatedTrainingReport> {
  const log = options.log ?? (() => undefined);
  const validationStarted = Date.now();
  const splitSeed = validationSeed(options);
  const split = splitPerUser(interactions, options.trainFraction ?? VALIDATION.trainFraction, splitSeed);
  log(
    `validation split (seed ${splitSeed}): ${split.train.values.length} train, ${split.test.values.length} held-out interactions`,
  );
  const evaluation = {
    k: VALIDATION.k,
    maxUsers: options.validationUsers ?? VALIDATION.maxUsers,
    seed: options.params.seed,
  };
  const { imported } = options;
  const { family } = store;
  const candidateModel = imported ?? family.train(split.train, options.params, { threads: options.threads });
  const candidate = evaluateRanker(split, modelRanker(candidateModel, split.train), evaluation);
  const popularity = evaluateRanker(split, popularityRanker(split.train), evaluation);
  const latestModel = await currentLatest(store, log);
  const latest =
    latestModel &&
    (imported
      ? evaluateRanker(split, modelRanker(latestModel, split.train), evaluation)
      : latestOnSplit(family, latestModel, split, candidateModel, candidate, {
          ...evaluation,
          threads: options.threads,
        }));
  const validationSeconds = (Date.now() - validationStarted) / 1000;
  const decision = decide(candidate.ndcg, popularity.ndcg, latestModel?.version, latest?.ndcg, options);
  log(
    `NDCG@${VALIDATION.k}: candidate ${candidate.ndcg.toFixed(4)}, popularity ${popularity.ndcg.toFixed(4)}` +
      (latest ? `, latest ${latestModel!.version} ${latest.ndcg.toFixed(4)}` : "") +
      ` -> ${decision.promoted ? "promote" : "refuse"}: ${decision.reason}`,
  );

  const trainingStarted = Date.now();
  const trained =
    imported ??
    family.train(interactions, options.params, {
      itemCategories: options.itemCategories,
      onProgress: options.onProgress,
      threads: options.threads,
    });
  const trainingSeconds = (Date.now() - trainingStarted) / 1000;
  const metrics = { candidate, popularity, ...(latest ? { latest } : {}) };
  const model = trained.withManifest({ metrics, gate: decision, tuned: options.tuned });
  const modelSizeBytes = await store.save(model);
  if (decision.promoted) await store.promote(model.version);
  const pruned = await store.prune(options.keep);
  log(
    `saved ${model.version} to ${store.location}${decision.promoted ? " as latest" : ""}; pruned ${pruned.length}`,
  );

  const { training } = model.manifest;
  return {
    version: model.version,
    promoted: decision.promoted,
    decision,
    metrics,
    pruned,
    figures: {
      validationSeconds,
      trainingSeconds,
      candidateNdcg: candidate.ndcg,
      popularityNdcg: popularity.ndcg,
      latestNdcg: latest?.ndcg,
      interactions: training.interactions,
      users: training.users,
      items: training.items,
      iterations: training.iterations,
      loss: training.loss,
      modelSizeBytes,
    },
  };
}

/**
 * The validation split's seed: the model's (0 for EASE, which has no seed setting), except when that
 * split is the one `recs tune` chose these settings on, where the search's winner would pass the gate by
 * construction (it was picked for scoring best there).
 */
function validationSeed({ params, tuned }: GatedTrainingOptions): number {
  const seed = params.seed ?? 0;
  return tuned !== undefined && tuned.splitSeed === seed ? seed + 1 : seed;
}

/**
 * The current latest, judged on the same split. Its stored factors were trained on data that
 * includes this split's held-out part, so scoring them directly would favour it unfairly (a retrain
 * on identical data would be refused). Instead its settings are refit on the split's train part;
 * with unchanged settings that is the candidate itself, so the check guards against settings that
 * got worse, while the popularity check guards against bad data.
 */
function latestOnSplit(
  family: ModelFamily,
  latest: FactorModel,
  split: Split,
  candidateModel: FactorModel,
  candidate: RankingMetrics,
  evaluation: EvaluationOptions & { threads?: number },
): RankingMetrics {
  const params = latest.manifest.params;
  if (JSON.stringify(params) === JSON.stringify(candidateModel.manifest.params)) return candidate;
  return evaluateRanker(
    split,
    modelRanker(family.train(split.train, params, { threads: evaluation.threads }), split.train),
    evaluation,
  );
}

/** The model `latest` points at; an unreadable one is logged and treated as absent. */
async function currentLatest(
  store: ModelStore,
  log: (line: string) => void,
): Promise<FactorModel | undefined> {
  try {
    return await store.loadLatest();
  } catch (error) {
    log(`cannot load the current latest model, comparing with popularity only: ${(error as Error).message}`);
    return undefined;
  }
}
