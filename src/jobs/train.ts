import type { App } from "../app";
import { InputError } from "../domain/errors";
import { trainValidateAndPromote, type GateReport } from "../nmf/gate";
import type { NmfModel } from "../nmf/model";
import { InteractionLog } from "../nmf/sparse";
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
  imported?: NmfModel;
}

export type TrainReport = GateReport;

/**
 * The training pipeline shared by `recs train`, the demo seed and the scheduled retraining:
 * stream events into compact typed arrays, train, validate against popularity and the current
 * model, promote or refuse, prune old versions, emit model metrics, and serve the new model here.
 */
export async function trainModel(app: App, options: TrainJobOptions): Promise<TrainReport> {
  const print = options.print ?? ((line: string) => app.log.info(line));
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
  const report = await trainValidateAndPromote(matrix, app.modelStore, {
    params: app.config.model,
    tolerance: app.config.model.gateTolerance,
    keep: app.config.model.keep,
    force: options.force,
    // Imported factors carry their categories already; only a model trained here needs them.
    itemCategories: options.imported ? undefined : await app.stores.items.categories(),
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
  if (report.promoted) await app.models.refresh();
  return report;
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
