import {
  checkOptionalText,
  validateEvent,
  type EventFields,
  type EventRules,
} from "../events/event.validation";
import { InputError } from "../domain/errors";
import { StoreUnavailableError } from "./errors";
import { EventBatch } from "../ingest/event-batch";
import type { Ingestion } from "../ingest/ingestion";
import type { StoredEvent } from "../store/events.store";

export interface EventInputFields extends EventFields {
  idempotencyKey?: string | null;
}

export interface RecordEventResult {
  eventId: string;
  duplicate: boolean;
}

export interface EventWriter {
  /** False when the event was stored before. */
  put(event: StoredEvent): Promise<boolean>;
  putMany(events: readonly StoredEvent[]): Promise<void>;
}
export interface IdempotencyKeys {
  claim(key: string, event: StoredEvent): Promise<StoredEvent | undefined>;
}
export interface EventServiceDeps {
  events: EventWriter;
  idempotency: IdempotencyKeys;
  /** Pseudonymises on the way in and derives user state, counters and hooks: shared with imports. */
  ingestion: Ingestion;
  rules: EventRules & { maxBatch: number };
}

function checkHeaderKey(key: string | undefined): string | undefined {
  return checkOptionalText("Idempotency-Key", key);
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

  /** `headerKey`: the request's Idempotency-Key header, used when the input carries no key. */
  async record(input: EventInputFields, headerKey?: string): Promise<RecordEventResult> {
    const [result] = await this.store([this.prepare(input, "", checkHeaderKey(headerKey))]);
    return result!;
  }

  /**
   * `headerKey` keys the batch as sent: an event without its own idempotencyKey gets
   * "<header>#<position>" (from 0), so the same batch sent again stores each event once.
   */
  async recordMany(inputs: readonly EventInputFields[], headerKey?: string): Promise<RecordEventResult[]> {
    const { maxBatch } = this.deps.rules;
    if (inputs.length === 0 || inputs.length > maxBatch)
      throw new InputError("inputs", `must hold 1..${maxBatch} events`);
    const batchKey = checkHeaderKey(headerKey);
    // All or nothing at validation: one bad event rejects the batch before anything is written.
    return this.store(
      inputs.map((input, i) => this.prepare(input, `inputs[${i}].`, batchKey && `${batchKey}#${i}`)),
    );
  }

  /** The event's own key wins over one derived from the header. */
  private prepare(input: EventInputFields, fieldPrefix: string, headerKey: string | undefined): Pending {
    try {
      const key = checkOptionalText("idempotencyKey", input.idempotencyKey) ?? headerKey;
      return { event: this.deps.ingestion.toStored(validateEvent(input, this.deps.rules)), key };
    } catch (error) {
      if (error instanceof InputError && fieldPrefix)
        throw new InputError(fieldPrefix + error.field, error.reason);
      throw error;
    }
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
    await this.deps.ingestion.derive(EventBatch.of(written), written);
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
    return (await this.deps.events.put(target)) ? { result, written: target } : { result };
  }
}
