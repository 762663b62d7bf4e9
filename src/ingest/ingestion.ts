import { createHash, randomUUID } from "node:crypto";
import type { EventType } from "../domain/vocabulary";
import type { ValidEvent } from "../events/event.validation";
import type { Logger } from "../observability/logger";
import { recordEventsIngested, type Metrics } from "../observability/metrics";
import { keepUserId, type UserIdMapper } from "../security/pseudonymise";
import { forEachLimited } from "../shared/limited";
import type { StoredEvent } from "../store/events.store";
import type { PopularityEvent } from "../store/popularity.store";
import { addInteractions, interactionWeights, type UserState } from "../store/user-state";
import type { KnownState } from "../store/users.store";
import type { FoldedVector } from "../strategies/factor-model";
import type { RecordedEvent, Strategy } from "../strategies/strategy";
import { EventBatch } from "./event-batch";

export interface UserStateWriter {
  getMany(userIds: readonly string[]): Promise<Array<UserState | undefined>>;
  update(userId: string, change: (state: UserState) => void, start?: KnownState): Promise<UserState>;
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
/** Ten BatchGetItem calls of 100 keys. */
const USERS_READ_AT_ONCE = 1_000;
/** Ten BatchGetItem calls of 100 keys. */
const CATEGORY_LOOKUPS_AT_ONCE = 1_000;

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
    await Promise.all([this.updateUsers(batch, hooksOf), this.countPopularity(batch)]);
  }

  /** Users in chunks whose states are read with a few BatchGetItem calls, then updated 32 at a time. */
  private async updateUsers(batch: EventBatch, hooksOf: Map<string, StoredEvent[]>): Promise<void> {
    for (const chunk of chunks(batch.byUser(), USERS_READ_AT_ONCE)) {
      let states: Array<UserState | undefined> | undefined;
      try {
        states = await this.deps.users.getMany(chunk.map(([userId]) => userId));
      } catch (error) {
        this.deps.log.warn("batch read of user states failed; reading them one by one", { error });
      }
      await forEachLimited(chunk.keys(), USER_UPDATES_IN_FLIGHT, (i) => {
        const [userId, events] = chunk[i]!;
        return this.updateUser(userId, events, hooksOf.get(userId) ?? [], states && { state: states[i] });
      });
    }
  }

  private async updateUser(
    userId: string,
    events: Array<{ itemId: string; weight: number; timestamp: number }>,
    hooks: StoredEvent[],
    start: KnownState | undefined,
  ): Promise<void> {
    let state: UserState;
    try {
      state = await this.deps.users.update(
        userId,
        (s) => {
          addInteractions(s, events);
          const folded = this.deps.folder?.foldIn(interactionWeights(s), userId);
          if (folded) {
            s.vector = folded.vector;
            s.vectorModel = folded.modelVersion;
          } else {
            // A vector of the interactions before this event would be served as if it were current.
            delete s.vector;
            delete s.vectorModel;
          }
        },
        start,
      );
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
      const ids = batch.items.ids;
      // Lookups of one tick are batched into BatchGetItem calls; chunks bound the calls in flight.
      for (let i = 0; i < ids.length; i += CATEGORY_LOOKUPS_AT_ONCE) {
        const chunk = ids.slice(i, i + CATEGORY_LOOKUPS_AT_ONCE);
        const found = await Promise.all(chunk.map((id) => this.deps.catalog.categoryOf(id)));
        chunk.forEach((id, j) => categories.set(id, found[j]));
      }
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

function* chunks<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let chunk: T[] = [];
  for (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) out.set(key(item), [...(out.get(key(item)) ?? []), item]);
  return out;
}
