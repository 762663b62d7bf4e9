import type { EventType } from "../domain/vocabulary";
import { doubled, IdInterner } from "../factors/sparse";
import type { StoredEvent } from "../store/events.store";

/**
 * Stored events waiting for their derived state, in typed arrays with interned ids (about 30 bytes
 * an event), so a bulk import can hold hundreds of thousands of them and derive each user's state
 * once, while the live path holds a handful.
 */
export class EventBatch {
  readonly users = new IdInterner();
  readonly items = new IdInterner();
  private user = new Int32Array(64);
  private item = new Int32Array(64);
  private weight = new Float64Array(64);
  private time = new Float64Array(64);
  private count = 0;
  /** Events per type, for the ingestion metric. */
  readonly types = new Map<EventType, number>();
  /** Only the few events that answer a served list, for attribution. */
  readonly attributed: Array<{ recommendationId: string; type: EventType }> = [];

  static of(events: Iterable<StoredEvent>): EventBatch {
    const batch = new EventBatch();
    for (const e of events) batch.add(e);
    return batch;
  }

  get size(): number {
    return this.count;
  }

  add(
    e: Pick<StoredEvent, "userId" | "itemId" | "weight" | "timestamp" | "type" | "recommendationId">,
  ): void {
    if (this.count === this.user.length) this.grow();
    this.user[this.count] = this.users.add(e.userId);
    this.item[this.count] = this.items.add(e.itemId);
    this.weight[this.count] = e.weight;
    this.time[this.count++] = e.timestamp;
    this.types.set(e.type, (this.types.get(e.type) ?? 0) + 1);
    if (e.recommendationId) this.attributed.push({ recommendationId: e.recommendationId, type: e.type });
  }

  /** Each user with their events in arrival order. */
  *byUser(): Generator<[string, Array<{ itemId: string; weight: number; timestamp: number }>]> {
    const start = new Int32Array(this.users.ids.length + 1);
    for (let e = 0; e < this.count; e++) start[this.user[e]! + 1]!++;
    for (let u = 0; u < this.users.ids.length; u++) start[u + 1]! += start[u]!;
    const order = new Int32Array(this.count);
    const fill = start.slice();
    for (let e = 0; e < this.count; e++) order[fill[this.user[e]!]!++] = e;
    for (let u = 0; u < this.users.ids.length; u++) {
      const events = [];
      for (let p = start[u]!; p < start[u + 1]!; p++) events.push(this.event(order[p]!));
      yield [this.users.ids[u]!, events];
    }
  }

  /** Every event's item, weight and time, for the popularity counters. */
  *itemEvents(): Generator<{ itemId: string; weight: number; timestamp: number }> {
    for (let e = 0; e < this.count; e++) yield this.event(e);
  }

  private event(e: number) {
    return { itemId: this.items.ids[this.item[e]!]!, weight: this.weight[e]!, timestamp: this.time[e]! };
  }

  private grow(): void {
    this.user = doubled(this.user);
    this.item = doubled(this.item);
    this.weight = doubled(this.weight);
    this.time = doubled(this.time);
  }
}
