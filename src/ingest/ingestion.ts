import { createHash, randomUUID } from "node:crypto";
import type { EventType } from "../config";
import type { ValidEvent } from "../events/event.validation";
import type { Logger } from "../observability/logger";
import { recordEventsIngested, type Metrics } from "../observability/metrics";
import { keepUserId, type UserIdMapper } from "../security/pseudonymise";
import { forEachLimited } from "../shared/limited";
import type { StoredEvent } from "../store/events.store";
import type { PopularityEvent } from "../store/popularity.store";
import { addInteractions, interactionWeights, type UserState } from "../store/users.store";
import type { FoldedVector } from "../strategies/factor-model";
import type { RecordedEvent, Strategy } from "../strategies/strategy";
import { EventBatch } from "./event-batch";

export interface UserStateWriter {
  update(userId: string, change: (state: UserState) => void): Promise<UserState>;
}
export interface PopularityWriter {
  addMany(events: Iterable<PopularityEvent>): Promise<void>;
}
export interface CategoryLookup {
  categoryOf(itemId: string): Promise<string | undefined>;
}
/** Computes the user's latent vector from their interactions (NMF or ALS fold-in), stored with the state. */
export interface VectorFolder {
  foldIn(interactions: ReadonlyMap<string, number>, userId: string): FoldedVector | undefined;
}
export interface EventCounter {
  event(recommendationId: string | undefined, type: EventType): void;
}

export interface IngestionDeps {
  users: UserStateWriter;
  popularity: PopularityWriter;
  catalog: CategoryLookup;
  folder?: VectorFolder;
  /** Strategies with an onEvent hook (Personalize forwarding): live events only. */
  listeners: Strategy[];
  attribution: EventCounter;
  metrics: Metrics;
  log: Logger;
  /** USER_ID_HMAC_KEY's pseudonymisation: applied here and nowhere else on the way in. */
  pseudonymise?: UserIdMapper;
}

/** Users updated at once; each update is a read and a conditional write. */
const USER_UPDATES_IN_FLIGHT = 32;

/**
 * The one way behaviour enters the gateway, for the live `recordEvent` path and bulk imports alike:
 * a validated event becomes a stored one here (id, pseudonymised user), and everything derived from
 * stored events (user state with its fold-in vector, popularity, attribution, strategy hooks) is
 * computed here, once per user per batch.
 */
export class Ingestion {
  private readonly pseudonymise: UserIdMapper;

  constructor(private readonly deps: IngestionDeps) {
    this.pseudonymise = deps.pseudonymise ?? keepUserId;
  }

  /** The user id as storage, models and strategies know it. */
  userKey(userId: string): string {
    return this.pseudonymise(userId);
  }

  /** A stored event; `eventId` given by imports so that a re-run writes the same rows again. */
  toStored(event: ValidEvent, eventId: string = randomUUID()): StoredEvent {
    return { eventId, ...event, userId: this.pseudonymise(event.userId) };
  }

  /**
   * Derives state from events that are already stored. Failures are logged, never thrown: the
   * events are the source of truth and a retrain rebuilds what a failed derivation missed.
   * `hooks` are the live events whose strategies' onEvent hooks run (imports pass none).
   */
  async derive(batch: EventBatch, hooks: readonly StoredEvent[] = []): Promise<void> {
    for (const [type, count] of batch.types) recordEventsIngested(this.deps.metrics, type, count);
    for (const { recommendationId, type } of batch.attributed)
      this.deps.attribution.event(recommendationId, type);
    const hooksOf = groupBy(hooks, (e) => e.userId);
    await Promise.all([
      forEachLimited(batch.byUser(), USER_UPDATES_IN_FLIGHT, ([userId, events]) =>
        this.updateUser(userId, events, hooksOf.get(userId) ?? []),
      ),
      this.countPopularity(batch),
    ]);
  }

  private async updateUser(
    userId: string,
    events: Array<{ itemId: string; weight: number; timestamp: number }>,
    hooks: StoredEvent[],
  ): Promise<void> {
    let state: UserState;
    try {
      state = await this.deps.users.update(userId, (s) => {
        addInteractions(s, events);
        const folded = this.deps.folder?.foldIn(interactionWeights(s), userId);
        if (folded) {
          s.vector = folded.vector;
          s.vectorModel = folded.modelVersion;
        }
      });
    } catch (error) {
      this.deps.log.error("events stored but the user state was not updated", {
        error,
        events: events.length,
      });
      return;
    }
    if (hooks.length === 0) return;
    const interactions = interactionWeights(state);
    const calls = hooks.flatMap((e) => {
      const recorded: RecordedEvent = { ...e, timestamp: new Date(e.timestamp) };
      return this.deps.listeners.map((s) => s.onEvent?.(recorded, interactions));
    });
    this.logFailures(await Promise.allSettled(calls));
  }

  private async countPopularity(batch: EventBatch): Promise<void> {
    try {
      const categories = new Map<string, string | undefined>();
      await forEachLimited(batch.items.ids, USER_UPDATES_IN_FLIGHT, async (id) =>
        categories.set(id, await this.deps.catalog.categoryOf(id)),
      );
      await this.deps.popularity.addMany(
        (function* () {
          for (const e of batch.itemEvents()) yield { ...e, category: categories.get(e.itemId) };
        })(),
      );
    } catch (error) {
      this.logFailures([{ status: "rejected", reason: error }]);
    }
  }

  private logFailures(outcomes: PromiseSettledResult<unknown>[]): void {
    for (const outcome of outcomes)
      if (outcome.status === "rejected")
        this.deps.log.warn("event side effect failed", { error: outcome.reason });
  }
}

/** A stable event id for row `line` of import `importId`: re-running an import rewrites, never duplicates. */
export function importedEventId(importId: string, line: number): string {
  return createHash("sha256").update(`${importId}#${line}`).digest("base64url").slice(0, 22);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}
