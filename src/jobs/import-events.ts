import type { App } from "../app";
import { type ValidEvent } from "../events/event.validation";
import { InputError } from "../domain/errors";
import { EventBatch } from "../ingest/event-batch";
import { importedEventId } from "../ingest/ingestion";
import type { StoredEvent } from "../store/events.store";
import { ImportLedger, type ImportProgress } from "../store/import-ledger.store";

export interface ImportOptions {
  /**
   * A stable id of the source (its content hash). With it, every row gets an id derived from it, so
   * a re-run rewrites rows instead of duplicating them, and progress is checkpointed: a failed
   * import resumes after its last checkpoint and a finished one is refused unless `again`.
   */
  source?: { importId: string; name: string };
  again?: boolean;
  /** Days to keep these events, counted from now (0: forever); EVENT_TTL_DAYS when absent. */
  retentionDays?: number;
  /** Events held for one derivation round: bounds memory (about 30 bytes an event). */
  bufferEvents?: number;
}

export interface ImportReport {
  /** Events stored and derived by this run. */
  imported: number;
  /** Events skipped because an earlier run of the same source had already imported them. */
  resumedAfter: number;
  /** The source was imported completely before, and `again` was not given. */
  alreadyDone?: ImportProgress;
}

export class ImportFailedError extends Error {
  constructor(
    readonly stored: number,
    cause: unknown,
  ) {
    super(
      `the import stopped after ${stored} stored events: ${(cause as Error).message}. ` +
        "Run the same command again: it resumes after the last checkpoint and rewrites rows instead of duplicating them",
      { cause },
    );
    this.name = "ImportFailedError";
  }
}

/**
 * Each round updates every user it touches once (a read and a write of their state): the larger the
 * round, the fewer updates per event. A million events take about 30 MB here.
 */
const DEFAULT_BUFFER_EVENTS = 1_000_000;
/** Pages whose batch writes may still be in flight while the next page is read. */
const PAGES_IN_FLIGHT = 1;

/**
 * Bulk ingestion (recs import, seed): events stream in pages, are stored with concurrent batch
 * writes, and their derived state (user state, popularity, attribution) goes through the same
 * Ingestion as the live path, once per user per round of `bufferEvents` events.
 */
export async function importEvents(
  app: App,
  pages: AsyncIterable<readonly ValidEvent[]> | Iterable<readonly ValidEvent[]>,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const ledger = new ImportLedger(app.db, app.config.dynamo.tables.stats);
  const source = options.source;
  const previous = source && (await ledger.get(source.importId));
  if (previous?.done && !options.again) return { imported: 0, resumedAfter: 0, alreadyDone: previous };
  const skip = options.again ? 0 : (previous?.derivedEvents ?? 0);
  const retention = { days: options.retentionDays ?? app.config.dynamo.eventTtlDays };
  const bufferEvents = options.bufferEvents ?? DEFAULT_BUFFER_EVENTS;
  // A repeated import (--again) gets fresh row ids: it adds its events rather than rewriting the first run's.
  const idPrefix = source && (options.again ? `${source.importId}#${Date.now()}` : source.importId);

  let ordinal = 0;
  let stored = 0;
  let derived = skip;
  let batch = new EventBatch();
  const writes: Array<Promise<void>> = [];
  const settleWrites = async (keep: number) => {
    while (writes.length > keep) await writes.shift();
  };
  // A round derives while the next round's pages are read and stored; rounds derive one at a time
  // and in order, and a checkpoint covers only events both stored and derived.
  let deriving: Promise<void> = Promise.resolve();
  const checkpoint = async (done: boolean) => {
    await settleWrites(0);
    const round = batch;
    batch = new EventBatch();
    await deriving;
    deriving = (async () => {
      await app.ingestion.derive(round);
      derived += round.size;
      if (source)
        await ledger.save({ importId: source.importId, source: source.name, derivedEvents: derived, done });
    })();
    deriving.catch(() => undefined); // awaited by the next checkpoint or the end
    if (done) await deriving;
  };
  try {
    for await (const page of pages) {
      const fresh: StoredEvent[] = [];
      for (const event of page) {
        const id = idPrefix ? importedEventId(idPrefix, ordinal) : undefined;
        if (ordinal++ < skip) continue;
        fresh.push(app.ingestion.toStored(event, id));
      }
      if (fresh.length === 0) continue;
      const write = app.stores.events.putMany(fresh, retention).then(() => void (stored += fresh.length));
      // Awaited in order by settleWrites; a later write failing first must not count as unhandled.
      write.catch(() => undefined);
      writes.push(write);
      await settleWrites(PAGES_IN_FLIGHT);
      for (const e of fresh) batch.add(e);
      if (batch.size >= bufferEvents) await checkpoint(false);
    }
    await checkpoint(true);
  } catch (error) {
    await Promise.allSettled([...writes, deriving]);
    if (error instanceof InputError && stored === 0) throw error; // e.g. a file without the needed columns
    throw new ImportFailedError(stored, error);
  } finally {
    app.popular.invalidate();
  }
  return { imported: derived - skip, resumedAfter: skip };
}
