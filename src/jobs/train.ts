import type { App } from "../app";
import { aggregateInteractions } from "../events/interactions";
import type { ValidEvent } from "../events/event.validation";
import { trainValidateAndPromote, type GateReport } from "../nmf/gate";
import { recordTraining } from "../observability/metrics";
import type { StoredEvent } from "../store/events.store";

export interface TrainJobOptions {
  force: boolean;
  /** Train from these events (a CSV) instead of the events table. */
  events?: ValidEvent[];
  /** Pages of stored events (a table export); default: the events table's scan. */
  source?: AsyncIterable<StoredEvent[]>;
  print?: (line: string) => void;
}

export type TrainReport = GateReport;

/**
 * The training pipeline shared by `recs train`, the demo seed and the scheduled Lambda event:
 * read events, train, validate against popularity and the current model, promote or refuse,
 * prune old versions, emit model metrics, and make this process serve the new model.
 */
export async function trainModel(app: App, options: TrainJobOptions): Promise<TrainReport> {
  const print = options.print ?? ((line: string) => app.log.info(line));
  const events =
    options.events?.map((e) => ({ ...e, userId: app.pseudonymise(e.userId) })) ??
    (await readAll(options.source ?? app.stores.events.scan()));
  const interactions = aggregateInteractions(events);
  print(`training on ${interactions.length} user-item pairs from ${events.length} events`);
  const report = await trainValidateAndPromote(interactions, app.modelStore, {
    params: app.config.model,
    tolerance: app.config.model.gateTolerance,
    keep: app.config.model.keep,
    force: options.force,
    itemCategories: await app.stores.items.categories(),
    log: print,
    onProgress: progressPrinter(print),
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

async function readAll(source: AsyncIterable<StoredEvent[]>): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const page of source) events.push(...page);
  return events;
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
