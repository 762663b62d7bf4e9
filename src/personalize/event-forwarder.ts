import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { PutEventsCommand, type PersonalizeEventsClient } from "@aws-sdk/client-personalize-events";
import type { Event as PersonalizeEvent } from "@aws-sdk/client-personalize-events";
import { hashUserId, Logger } from "../observability/logger";
import { parseRecommendationId } from "../strategies/recommendation-id";
import type { RecordedEvent } from "../strategies/strategy";

/** PutEvents accepts at most 10 events per call, all of one user and session. */
export const PUT_EVENTS_MAX = 10;

export interface EventForwarderOptions {
  trackingId: string;
  logger?: Logger;
  /** Events wait this long in the buffer so that several go out in one call. */
  flushDelayMs?: number;
  /** Attempts per PutEvents call, the first included. */
  maxAttempts?: number;
  /** First retry delay; doubled for each further attempt. */
  retryBaseMs?: number;
  /** A PutEvents call that has not answered by then is aborted (and retried): flush() must end. */
  callTimeoutMs?: number;
  /** Events beyond this many waiting are dropped (and counted), so a dead endpoint cannot eat memory. */
  maxBuffered?: number;
  sleep?: (ms: number) => Promise<void>;
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
  /** Events buffered or in flight. */
  pending: number;
}

/**
 * Forwards recorded events to a Personalize event tracker in the background. The event is
 * already stored when it arrives here, so a failed forward only costs Personalize's freshness:
 * it is retried a bounded number of times, then logged and counted in `stats()`.
 */
export class PersonalizeEventForwarder {
  private buffer: RecordedEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly counts = { forwarded: 0, failed: 0, retries: 0, dropped: 0 };
  private sending = 0;
  private readonly logger: Logger;
  private readonly flushDelayMs: number;
  private readonly maxAttempts: number;
  private readonly retryBaseMs: number;
  private readonly callTimeoutMs: number;
  private readonly maxBuffered: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: PersonalizeEventsClient,
    private readonly options: EventForwarderOptions,
  ) {
    this.logger = options.logger ?? new Logger("silent");
    this.flushDelayMs = options.flushDelayMs ?? 200;
    this.maxAttempts = options.maxAttempts ?? 4;
    this.retryBaseMs = options.retryBaseMs ?? 100;
    this.callTimeoutMs = options.callTimeoutMs ?? 3_000;
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.sleep = options.sleep ?? ((ms) => sleep(ms));
  }

  /** Never throws and never waits: the caller (the event mutation) has already answered for the event. */
  enqueue(event: RecordedEvent): void {
    if (this.buffer.length + this.sending >= this.maxBuffered) {
      this.counts.dropped++;
      this.logger.warn("personalize event dropped: forward buffer full", { eventId: event.eventId });
      return;
    }
    this.buffer.push(event);
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, this.flushDelayMs);
      // Buffered events must not keep a finished process alive; shutdown calls flush().
      this.timer.unref();
    }
  }

  /** Sends everything buffered and waits for every call in flight, retries included (shutdown, end of a Lambda invocation). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.drain();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  stats(): ForwarderStats {
    return { ...this.counts, pending: this.buffer.length + this.sending };
  }

  private drain(): void {
    if (this.buffer.length === 0) return;
    const events = this.buffer;
    this.buffer = [];
    this.sending += events.length;
    const job = this.sendAll(events).finally(() => {
      this.sending -= events.length;
      this.inFlight.delete(job);
    });
    this.inFlight.add(job);
  }

  private async sendAll(events: RecordedEvent[]): Promise<void> {
    // One call at a time: the tracker's throughput limit is per account, bursts only earn throttling.
    for (const batch of batchesPerSession(events)) await this.sendBatch(batch);
  }

  private async sendBatch(batch: SessionBatch): Promise<void> {
    const input = {
      trackingId: this.options.trackingId,
      userId: batch.userId,
      sessionId: batch.sessionId,
      eventList: batch.events.map(toPersonalizeEvent),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.client.send(new PutEventsCommand(input), {
          abortSignal: AbortSignal.timeout(this.callTimeoutMs),
        });
        this.counts.forwarded += batch.events.length;
        return;
      } catch (err) {
        if (attempt >= this.maxAttempts || !isTransient(err)) {
          this.counts.failed += batch.events.length;
          this.logger.error("personalize events not forwarded", {
            user: hashUserId(batch.userId),
            events: batch.events.length,
            attempts: attempt,
            err,
          });
          return;
        }
        this.counts.retries++;
        await this.sleep(this.retryBaseMs * 2 ** (attempt - 1));
      }
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

/** Only Personalize's own ids mean something to Personalize; lists other strategies served have none. */
function personalizeRecommendationId(recommendationId: string | undefined): string | undefined {
  const ref = recommendationId ? parseRecommendationId(recommendationId) : undefined;
  return ref?.strategy === "PERSONALIZE" ? ref.id : undefined;
}

/** Throttling, server errors and network failures may pass; a refused request will be refused again. */
function isTransient(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (status === undefined) return true;
  return status === 429 || status >= 500 || /Throttl/i.test(e.name ?? "");
}
