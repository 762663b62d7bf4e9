import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { PutEventsCommand, type PersonalizeEventsClient } from "@aws-sdk/client-personalize-events";
import type { Event as PersonalizeEvent } from "@aws-sdk/client-personalize-events";
import { Logger } from "../observability/logger";
import { awsFailure } from "../shared/aws";
import { settleWithin } from "../shared/deadline";
import { parseRecommendationId } from "../strategies/recommendation-id";
import type { RecordedEvent } from "../strategies/strategy";

/** PutEvents accepts at most 10 events per call, all of one user and session. */
export const PUT_EVENTS_MAX = 10;

export interface EventForwarderOptions {
  trackingId: string;
  logger?: Logger;
  /** Events wait this long in the buffer so that several go out in one call (long-running servers). */
  flushDelayMs?: number;
  /** Attempts per PutEvents call, the first included. */
  maxAttempts?: number;
  /** First retry delay; doubled for each further attempt. */
  retryBaseMs?: number;
  /** A PutEvents call that has not answered by then is aborted (and retried). */
  callTimeoutMs?: number;
  /** PutEvents calls in flight at once. */
  maxInFlight?: number;
  /** Events beyond this many waiting are dropped (and counted), so a dead endpoint cannot eat memory. */
  maxBuffered?: number;
}

export interface ForwarderStats {
  /** Events Personalize accepted. */
  forwarded: number;
  /** Events given up on after the last attempt or a permanent error. */
  failed: number;
  /** PutEvents calls that were tried again. */
  retries: number;
  /** Events refused because the buffer was full. */
  dropped: number;
  /** Events buffered, waiting for a retry, or in flight. */
  pending: number;
}

interface QueuedBatch extends SessionBatch {
  attempt: number;
  /** Not sent before this time (ms since the epoch): a retry's backoff. */
  dueAt: number;
}

/**
 * Forwards recorded events to a Personalize event tracker in the background. The event is
 * already stored when it arrives here, so a failed forward only costs Personalize's freshness:
 * it is retried a bounded number of times, then logged and counted in `stats()`.
 *
 * Each batch is in exactly one place: waiting (new, or a retry whose backoff has not passed) or in
 * flight. A flush's deadline never aborts a call: what is in flight stays in flight and what waits
 * stays queued for the next flush, so nothing is sent twice because a flush ended. A batch is sent
 * again only after its call failed transiently or timed out (`callTimeoutMs`); Personalize keeps the
 * first event of an event id for training, so such a repeat does not count twice.
 */
export class PersonalizeEventForwarder {
  private incoming: RecordedEvent[] = [];
  private queue: QueuedBatch[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  /** Events accepted and neither forwarded nor given up on: kept as a count, enqueue runs per event. */
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private readonly counts = { forwarded: 0, failed: 0, retries: 0, dropped: 0 };
  private readonly logger: Logger;
  private readonly flushDelayMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly callTimeoutMs: number;
  private readonly maxInFlight: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly client: PersonalizeEventsClient,
    private readonly options: EventForwarderOptions,
  ) {
    this.logger = options.logger ?? new Logger("silent");
    this.flushDelayMs = options.flushDelayMs ?? 200;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.retryBaseMs = options.retryBaseMs ?? 100;
    this.callTimeoutMs = options.callTimeoutMs ?? 3_000;
    this.maxInFlight = options.maxInFlight ?? 8;
    this.maxBuffered = options.maxBuffered ?? 10_000;
  }

  /** Never throws and never waits: the caller (the event mutation) has already answered for the event. */
  enqueue(event: RecordedEvent): void {
    if (this.pending >= this.maxBuffered) {
      this.counts.dropped++;
      this.logger.warn("personalize event dropped: forward buffer full", { eventId: event.eventId });
      return;
    }
    this.pending++;
    this.incoming.push(event);
    this.schedule(this.flushDelayMs);
  }

  /**
   * Starts sending what is buffered and waits until nothing is pending or `deadlineMs` has passed,
   * whichever comes first (Lambda: the end of an invocation; shutdown: no deadline). What is left
   * goes on in the background and is picked up by the next flush.
   */
  async flush(deadlineMs = Infinity): Promise<void> {
    const end = Date.now() + deadlineMs;
    this.drain();
    while (this.inFlight.size > 0 || this.queue.length > 0) {
      const left = end - Date.now();
      if (left <= 0) return;
      // Nothing in flight: the next change is a retry coming due.
      if (this.inFlight.size === 0) await sleep(Math.min(left, this.nextDueAt() - Date.now()));
      else await settleWithin(Promise.race(this.inFlight), left);
      this.drain();
    }
  }

  stats(): ForwarderStats {
    return { ...this.counts, pending: this.pending };
  }

  /** Groups new events into batches and starts every due batch a free slot allows. */
  private drain(): void {
    if (this.incoming.length) {
      for (const batch of batchesPerSession(this.incoming))
        this.queue.push({ ...batch, attempt: 1, dueAt: 0 });
      this.incoming = [];
    }
    const now = Date.now();
    while (this.inFlight.size < this.maxInFlight) {
      const i = this.queue.findIndex((b) => b.dueAt <= now);
      if (i < 0) break;
      const [batch] = this.queue.splice(i, 1);
      const job: Promise<void> = this.send(batch!).finally(() => {
        this.inFlight.delete(job);
        this.drain();
      });
      this.inFlight.add(job);
    }
    if (this.queue.length) this.schedule(Math.max(0, this.nextDueAt() - now));
  }

  private nextDueAt(): number {
    return Math.min(...this.queue.map((b) => b.dueAt));
  }

  /** A background drain in `ms`; unref'd: buffered events never keep a finished process alive. */
  private schedule(ms: number): void {
    const at = Date.now() + ms;
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.drain();
    }, ms).unref();
  }

  /** One attempt; a transient failure puts the batch back in the queue behind its backoff. */
  private async send(batch: QueuedBatch): Promise<void> {
    const input = {
      trackingId: this.options.trackingId,
      userId: batch.userId,
      sessionId: batch.sessionId,
      eventList: batch.events.map(toPersonalizeEvent),
    };
    try {
      await this.client.send(new PutEventsCommand(input), {
        abortSignal: AbortSignal.timeout(this.callTimeoutMs),
      });
      this.counts.forwarded += batch.events.length;
      this.pending -= batch.events.length;
    } catch (err) {
      const failure = awsFailure(err);
      if ((failure === "throttled" || failure === "failed") && batch.attempt < this.maxAttempts) {
        this.counts.retries++;
        const dueAt = Date.now() + this.retryBaseMs * 2 ** (batch.attempt - 1);
        this.queue.push({ ...batch, attempt: batch.attempt + 1, dueAt });
        return;
      }
      this.counts.failed += batch.events.length;
      this.pending -= batch.events.length;
      this.logger.error("personalize events not forwarded", {
        events: batch.events.length,
        attempts: batch.attempt,
        err,
      });
    }
  }
}

interface SessionBatch {
  userId: string;
  sessionId: string;
  events: RecordedEvent[];
}

/** Groups events per user and session (one PutEvents call carries one of each), at most 10 per batch. */
export function batchesPerSession(events: readonly RecordedEvent[]): SessionBatch[] {
  const groups = new Map<string, SessionBatch>();
  for (const event of events) {
    const sessionId = event.sessionId ?? derivedSessionId(event.userId, event.timestamp);
    const key = JSON.stringify([event.userId, sessionId]);
    const group = groups.get(key) ?? { userId: event.userId, sessionId, events: [] };
    group.events.push(event);
    groups.set(key, group);
  }
  return [...groups.values()].flatMap((group) => {
    const batches: SessionBatch[] = [];
    for (let i = 0; i < group.events.length; i += PUT_EVENTS_MAX) {
      batches.push({ ...group, events: group.events.slice(i, i + PUT_EVENTS_MAX) });
    }
    return batches;
  });
}

/**
 * A session for callers that send none: one per user and UTC day of the event, so the same
 * event forwarded twice (a retry, a replay) lands in the same session.
 */
export function derivedSessionId(userId: string, at: Date): string {
  const day = at.toISOString().slice(0, 10);
  return createHash("sha256").update(`${userId}\u0000${day}`).digest("base64url").slice(0, 24);
}

/** VIEW -> View, ADD_TO_CART -> AddToCart, PURCHASE -> Purchase: the names Personalize's domain recipes use. */
export function personalizeEventType(type: string): string {
  return type
    .toLowerCase()
    .split(/[_\s-]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join("");
}

function toPersonalizeEvent(event: RecordedEvent): PersonalizeEvent {
  return {
    // Our id doubles as Personalize's event id, so a forward retried after a lost answer is recognisable.
    eventId: event.eventId,
    eventType: personalizeEventType(event.type),
    itemId: event.itemId,
    sentAt: event.timestamp,
    eventValue: event.value,
    recommendationId: personalizeRecommendationId(event.recommendationId),
    // No `properties`: Personalize only accepts fields declared in the interactions schema, which
    // the gateway does not own; the event weight is ours, the event type carries the meaning.
  };
}

/** PutEvents refuses a recommendationId over 40 characters (and with it the whole call). */
const MAX_RECOMMENDATION_ID = 40;

/**
 * Only Personalize's own ids mean something to Personalize; lists other strategies served have none,
 * and an id too long to be one (a client's mangled echo) is left out rather than failing the batch.
 */
function personalizeRecommendationId(recommendationId: string | undefined): string | undefined {
  const ref = recommendationId ? parseRecommendationId(recommendationId) : undefined;
  return ref?.strategy === "PERSONALIZE" && ref.id.length <= MAX_RECOMMENDATION_ID ? ref.id : undefined;
}
