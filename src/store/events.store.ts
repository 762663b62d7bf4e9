import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { EventType } from "../domain/vocabulary";
import { batchPut } from "./batch-write";

export interface StoredEvent {
  eventId: string;
  userId: string;
  itemId: string;
  type: EventType;
  weight: number;
  /** epoch milliseconds: when the behaviour happened (may be years ago for imported history) */
  timestamp: number;
  value?: number;
  sessionId?: string;
  recommendationId?: string;
}

/** An event as the events table stores it (a Scan or a table export returns these). */
export interface EventRow extends StoredEvent {
  sk: string;
  /** epoch seconds; absent when events are kept forever */
  expiresAt?: number;
}

/**
 * How long a stored event stays: counted from when it is stored, never from its own timestamp, so
 * imported history is as trainable as live events. 0 days keeps events forever.
 */
export interface Retention {
  days: number;
}

const SCAN_SEGMENTS = 4;

export class EventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retention: Retention,
  ) {}

  /**
   * Conditional so that a replayed write can never produce a second copy of the same event: false
   * when the event was stored before.
   */
  async put(event: StoredEvent): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: this.toRow(event, Date.now(), this.retention),
          ConditionExpression: "attribute_not_exists(sk)",
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Unconditional batch writes; `retention` overrides the configured one (an import that states its own). */
  putMany(events: readonly StoredEvent[], retention = this.retention): Promise<void> {
    const now = Date.now();
    return batchPut(
      this.db,
      this.table,
      events.map((e) => this.toRow(e, now, retention)) as unknown as Record<string, unknown>[],
    );
  }

  async forUser(userId: string, limit = 100): Promise<StoredEvent[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "userId = :u",
        ExpressionAttributeValues: { ":u": userId },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((row) => fromRow(row as EventRow));
  }

  async isEmpty(): Promise<boolean> {
    const out = await this.db.send(
      new ScanCommand({ TableName: this.table, Limit: 1, ProjectionExpression: "userId" }),
    );
    return (out.Items ?? []).length === 0;
  }

  /** Every unexpired event, page by page from a parallel scan: memory holds a few pages, not the table. */
  async *scan(now = Date.now()): AsyncGenerator<StoredEvent[]> {
    const cursors = Array.from({ length: SCAN_SEGMENTS }, (_, segment) => this.scanSegment(segment, now));
    // One page in flight per segment; pages are yielded as they arrive.
    const pending = new Map(cursors.map((cursor, i) => [i, next(cursor, i)]));
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) pending.delete(index);
      else {
        pending.set(index, next(cursors[index]!, index));
        yield result.value;
      }
    }
  }

  /** Every unexpired event in memory: small tables only (the feature job); training streams `scan`. */
  async all(now = Date.now()): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    for await (const page of this.scan(now)) events.push(...page);
    return events;
  }

  private async *scanSegment(segment: number, now: number): AsyncGenerator<StoredEvent[]> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          Segment: segment,
          TotalSegments: SCAN_SEGMENTS,
          ExclusiveStartKey,
        }),
      );
      // TTL deletion is lazy in DynamoDB (and absent in dynalite): expired rows are filtered on read.
      yield ((page.Items ?? []) as EventRow[]).filter((row) => isLive(row, now)).map(fromRow);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  private toRow(event: StoredEvent, storedAt: number, retention: Retention): EventRow {
    const row: EventRow = { ...event, sk: `${new Date(event.timestamp).toISOString()}#${event.eventId}` };
    if (retention.days > 0) row.expiresAt = Math.floor(storedAt / 1000) + retention.days * 86_400;
    return row;
  }
}

export function isLive(row: { expiresAt?: number }, now: number): boolean {
  return row.expiresAt === undefined || row.expiresAt * 1000 > now;
}

function next<T>(cursor: AsyncGenerator<T>, index: number) {
  return cursor.next().then((result) => ({ index, result }));
}

export function fromRow(row: EventRow): StoredEvent {
  const { sk: _sk, expiresAt: _expiresAt, ...event } = row;
  return event;
}
