import { randomUUID } from "node:crypto";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  checkOptionalText,
  validateEvent,
  InputError,
  type EventFields,
  type EventRules,
  type ValidEvent,
} from "../events/event.validation";
import type { Logger } from "../observability/logger";
import { recordEventsIngested, type Metrics } from "../observability/metrics";
import { keepUserId, type UserIdMapper } from "../security/pseudonymise";
import type { StoredEvent } from "../store/events.store";
import { addInteraction, interactionWeights, type UserState } from "../store/users.store";
import type { FoldedVector } from "../strategies/nmf";
import type { RecordedEvent, Strategy } from "../strategies/strategy";

export interface EventInputFields extends EventFields {
  idempotencyKey?: string | null;
}

export interface RecordEventResult {
  eventId: string;
  duplicate: boolean;
}

export interface EventWriter {
  put(event: StoredEvent): Promise<void>;
  putMany(events: readonly StoredEvent[]): Promise<void>;
}
export interface IdempotencyKeys {
  claim(key: string, event: StoredEvent): Promise<StoredEvent | undefined>;
}
export interface UserStateWriter {
  update(userId: string, change: (state: UserState) => void): Promise<UserState>;
}
export interface PopularityWriter {
  add(itemId: string, category: string | undefined, weight: number, timestamp: number): Promise<void>;
}
export interface CategoryLookup {
  categoryOf(itemId: string): Promise<string | undefined>;
}
/** Computes the user's latent vector from their interactions (NMF fold-in), stored with the state. */
export interface VectorFolder {
  foldIn(interactions: ReadonlyMap<string, number>): FoldedVector | undefined;
}
export interface EventCounter {
  event(recommendationId: string | undefined, type: StoredEvent["type"]): void;
}

export interface EventServiceDeps {
  events: EventWriter;
  idempotency: IdempotencyKeys;
  users: UserStateWriter;
  popularity: PopularityWriter;
  catalog: CategoryLookup;
  folder?: VectorFolder;
  /** Strategies with an onEvent hook (Personalize forwarding). */
  listeners: Strategy[];
  attribution: EventCounter;
  metrics: Metrics;
  rules: EventRules & { maxBatch: number };
  log: Logger;
  /** The domain edge: with USER_ID_HMAC_KEY, storage, state and listeners see only the pseudonym. */
  pseudonymise?: UserIdMapper;
}

/** The event store could not take the event after its retries: nothing was acknowledged. */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super("the event store is unavailable; the event was not recorded, retry with the same idempotency key", {
      cause,
    });
    this.name = "StoreUnavailableError";
  }
}

interface Pending {
  event: StoredEvent;
  key?: string;
}

/** What storing one event did: the answer for the caller, and the event if this call wrote it. */
interface Stored {
  result: RecordEventResult;
  written?: StoredEvent;
}

/**
 * Ingests user behaviour. The event is stored first and is the source of truth; the user's state,
 * counters and strategy hooks are derived from it afterwards, exactly once per stored event, and
 * never fail the call once the event is stored.
 */
export class EventService {
  constructor(private readonly deps: EventServiceDeps) {}

  async record(input: EventInputFields): Promise<RecordEventResult> {
    const [result] = await this.store([this.prepare(input, "")]);
    return result!;
  }

  async recordMany(inputs: readonly EventInputFields[]): Promise<RecordEventResult[]> {
    const { maxBatch } = this.deps.rules;
    if (inputs.length === 0 || inputs.length > maxBatch)
      throw new InputError("inputs", `must hold 1..${maxBatch} events`);
    // All or nothing at validation: one bad event rejects the batch before anything is written.
    return this.store(inputs.map((input, i) => this.prepare(input, `inputs[${i}].`)));
  }

  private prepare(input: EventInputFields, fieldPrefix: string): Pending {
    try {
      const key = checkOptionalText("idempotencyKey", input.idempotencyKey);
      return { event: this.toStored(validateEvent(input, this.deps.rules)), key };
    } catch (error) {
      if (error instanceof InputError && fieldPrefix)
        throw new InputError(fieldPrefix + error.field, error.reason);
      throw error;
    }
  }

  private toStored(event: ValidEvent): StoredEvent {
    const pseudonymise = this.deps.pseudonymise ?? keepUserId;
    return { eventId: randomUUID(), ...event, userId: pseudonymise(event.userId) };
  }

  /** Events without a key go in one batch write; keyed events each go through their key. */
  private async store(pending: Pending[]): Promise<RecordEventResult[]> {
    const plain = pending.filter((p) => !p.key).map((p) => p.event);
    const keyed = pending.filter((p): p is Required<Pending> => Boolean(p.key));
    const outcomes = await Promise.allSettled([
      plain.length ? this.deps.events.putMany(plain).then(() => plain) : Promise.resolve([]),
      ...keyed.map((p) => this.storeOnce(p.event, p.key)),
    ]);
    const answers = new Map<StoredEvent, RecordEventResult>();
    const written: StoredEvent[] = [];
    let failure: unknown;
    outcomes.forEach((outcome, i) => {
      if (outcome.status === "rejected") return void (failure ??= outcome.reason);
      if (i === 0) {
        for (const event of outcome.value as StoredEvent[])
          answers.set(event, { eventId: event.eventId, duplicate: false });
        written.push(...(outcome.value as StoredEvent[]));
      } else {
        const { result, written: w } = outcome.value as Stored;
        answers.set(keyed[i - 1]!.event, result);
        if (w) written.push(w);
      }
    });
    // Whatever was written gets its derived state even when another event of the batch failed.
    await this.derive(written);
    if (failure instanceof InputError) throw failure;
    if (failure) throw new StoreUnavailableError(failure);
    return pending.map((p) => answers.get(p.event)!);
  }

  /**
   * Exactly once per key: the first caller claims the key with its event; every later caller
   * gets that event's id and re-puts that same event (conditionally), which finishes the job if
   * the first attempt died between claiming and storing. Only the caller whose put lands derives.
   */
  private async storeOnce(event: StoredEvent, key: string): Promise<Stored> {
    const existing = await this.deps.idempotency.claim(key, event);
    if (
      existing &&
      (existing.userId !== event.userId || existing.itemId !== event.itemId || existing.type !== event.type)
    ) {
      throw new InputError("idempotencyKey", "was already used for a different event");
    }
    const target = existing ?? event;
    const result = { eventId: target.eventId, duplicate: existing !== undefined };
    try {
      await this.deps.events.put(target);
      return { result, written: target };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { result };
      throw error;
    }
  }

  /** Per user one state update (interactions + fold-in), then counters and hooks. */
  private async derive(events: StoredEvent[]): Promise<void> {
    for (const e of events) recordEventsIngested(this.deps.metrics, e.type, 1);
    const byUser = new Map<string, StoredEvent[]>();
    for (const e of events) byUser.set(e.userId, [...(byUser.get(e.userId) ?? []), e]);
    await Promise.all(
      [...byUser].map(async ([userId, userEvents]) => {
        try {
          const state = await this.deps.users.update(userId, (s) => {
            for (const e of userEvents) addInteraction(s, e.itemId, e.weight, e.timestamp);
            const folded = this.deps.folder?.foldIn(interactionWeights(s));
            if (folded) {
              s.vector = folded.vector;
              s.vectorModel = folded.modelVersion;
            }
          });
          await Promise.all(userEvents.map((e) => this.afterStore(e, interactionWeights(state))));
        } catch (error) {
          this.deps.log.error("event stored but the user state was not updated", {
            error,
            events: userEvents.length,
          });
        }
      }),
    );
  }

  private async afterStore(event: StoredEvent, interactions: ReadonlyMap<string, number>): Promise<void> {
    this.deps.attribution.event(event.recommendationId, event.type);
    const recorded: RecordedEvent = { ...event, timestamp: new Date(event.timestamp) };
    const tasks: Array<Promise<unknown>> = [
      this.deps.catalog
        .categoryOf(event.itemId)
        .then((category) => this.deps.popularity.add(event.itemId, category, event.weight, event.timestamp)),
      ...this.deps.listeners.map((s) => s.onEvent?.(recorded, interactions) ?? Promise.resolve()),
    ];
    for (const outcome of await Promise.allSettled(tasks)) {
      if (outcome.status === "rejected")
        this.deps.log.warn("event side effect failed", { error: outcome.reason });
    }
  }
}
