import type { App } from "../app";
import { familyConfig, type Config } from "../config";
import { InputError } from "../domain/errors";
import { trainThroughGate, type GatedTrainingReport } from "./gated-training";
import type { ModelFamily } from "../factors/family";
import type { FactorModel, TunedSettings } from "../factors/model";
import { InteractionLog, type InteractionMatrix } from "../factors/sparse";
import type { ModelStore } from "../factors/store";
import type { FactorParams, FamilyName } from "../factors/types";
import { recordTraining } from "../observability/metrics";

/** What training needs of an event. */
export interface TrainingEvent {
  userId: string;
  itemId: string;
  weight: number;
}

type Pages = AsyncIterable<readonly TrainingEvent[]> | Iterable<readonly TrainingEvent[]>;

export interface TrainJobOptions {
  force: boolean;
  /** Stored events page by page (a table export); the events table's scan when neither is given. */
  source?: Pages;
  /** Events from a CSV, with the caller's user ids: pseudonymised here, as on every way in. */
  csv?: Pages;
  print?: (line: string) => void;
  /** Factors trained elsewhere (recs import-factors): validated on the events and saved, not trained. */
  imported?: FactorModel;
  /** A fresh `recs tune` result: trained with and stored in the manifest for later retraining. */
  tuned?: TunedSettings;
  /** Interactions already read (recs tune read them for its search). */
  matrix?: InteractionMatrix;
  /** The catalog's categories already read (recs tune trains one family after another). */
  itemCategories?: ReadonlyMap<string, string>;
}

export type TrainReport = GatedTrainingReport;

/** One family's model (NMF by default): see trainModels. */
export async function trainModel(
  app: App,
  options: TrainJobOptions & { family?: FamilyName },
): Promise<TrainReport> {
  const [report] = await trainModels(app, { ...options, families: [options.family ?? "NMF"] });
  return report!;
}

/**
 * The training pipeline shared by `recs train`, `recs tune`, the demo seed and the scheduled
 * retraining: stream events once into compact typed arrays, then for each family train, validate
 * against popularity and the current model, promote or refuse, prune old versions, emit model
 * metrics, and serve the new model here.
 */
export async function trainModels(
  app: App,
  options: TrainJobOptions & { families: readonly FamilyName[] },
): Promise<TrainReport[]> {
  const print = options.print ?? ((line: string) => app.log.info(line));
  const matrix = options.matrix ?? (await readInteractions(app, options, print));
  // Imported factors carry their categories already; only a model trained here needs them.
  const itemCategories = options.imported
    ? undefined
    : (options.itemCategories ?? (await app.stores.items.categories()));
  const reports: TrainReport[] = [];
  for (const family of options.families) {
    const { store, holder } = app.factorModels[family];
    const { params, tuned } = await trainingSettings(app.config, store, options.tuned);
    print(`${family}: ${describeSettings(params)}${tuned ? ` (recs tune of ${tuned.tunedAt})` : ""}`);
    const report = await trainThroughGate(matrix, store, {
      params,
      tuned,
      allowedNdcgDrop: app.config.model.gateAllowedNdcgDrop,
      keep: app.config.model.keep,
      force: options.force,
      itemCategories,
      log: print,
      onProgress: progressPrinter(print),
      threads: app.config.model.threads,
      imported: options.imported,
    });
    const { figures } = report;
    recordTraining(app.metrics, {
      ndcgAt10: figures.candidateNdcg,
      loss: figures.loss,
      seconds: figures.validationSeconds + figures.trainingSeconds,
      modelSizeBytes: figures.modelSizeBytes,
    });
    if (report.promoted) await holder.refresh();
    reports.push(report);
  }
  return reports;
}

export async function readInteractions(
  app: App,
  options: Pick<TrainJobOptions, "csv" | "source">,
  print: (line: string) => void,
): Promise<InteractionMatrix> {
  const log = new InteractionLog();
  const userKey = options.csv ? (id: string) => app.ingestion.userKey(id) : (id: string) => id;
  let events = 0;
  for await (const page of options.csv ?? options.source ?? app.stores.events.scan()) {
    for (const e of page) log.add(userKey(e.userId), e.itemId, e.weight);
    events += page.length;
  }
  const matrix = log.toMatrix();
  print(`training on ${matrix.values.length} user-item pairs from ${events} events`);
  if (matrix.values.length === 0) {
    throw new InputError(
      "events",
      "there are no events of positive weight to train on: import some first (recs import --events FILE)",
    );
  }
  return matrix;
}

/**
 * A family's settings: the configured ones, except that `recs tune`'s (a fresh tuning, else what the
 * latest model carries) replace those the environment does not set explicitly.
 */
export async function trainingSettings(
  config: Config,
  store: ModelStore,
  fresh?: TunedSettings,
): Promise<{ params: FactorParams; tuned?: TunedSettings }> {
  const configured = configuredParams(config, store.family);
  const explicit: readonly string[] = familyConfig(config, store.family.name).explicit;
  const tuned = fresh ?? (await store.latestSummary().catch(() => undefined))?.tuned;
  const chosen = (tuned?.params ?? {}) as unknown as Record<string, unknown>;
  const params: Record<string, number> = { ...configured };
  for (const name of store.family.paramNames) {
    const fromTuning = chosen[name];
    if (typeof fromTuning === "number" && !explicit.includes(name)) params[name] = fromTuning;
  }
  return { params: params as unknown as FactorParams, tuned };
}

/** A family's settings from the configuration (the environment's, else the defaults). */
export function configuredParams(config: Config, family: ModelFamily): Record<string, number> {
  const section = familyConfig(config, family.name) as unknown as Record<string, number>;
  return Object.fromEntries(family.paramNames.map((name) => [name, section[name]!]));
}

export function describeSettings(params: object): string {
  return Object.entries(params)
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(", ");
}

/** Long runs show their progress: a line every few seconds with the epoch, the loss and the time. */
function progressPrinter(print: (line: string) => void, everyMs = 2_000) {
  let next = everyMs;
  return ({ iteration, loss, elapsedMs }: { iteration: number; loss: number; elapsedMs: number }) => {
    if (elapsedMs < next) return;
    next = elapsedMs + everyMs;
    print(`  epoch ${iteration}: loss ${loss.toExponential(4)}, ${(elapsedMs / 1000).toFixed(1)} s`);
  };
}
