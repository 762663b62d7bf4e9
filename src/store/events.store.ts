import { PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { EventType } from "../config";
import { batchPut } from "./batch-write";
import { allPages } from "./pages";

export interface StoredEvent {
  eventId: string;
  userId: string;
  itemId: string;
  type: EventType;
  weight: number;
  /** epoch milliseconds */
  timestamp: number;
  value?: number;
  sessionId?: string;
  recommendationId?: string;
}

interface EventRow extends StoredEvent {
  sk: string;
  expiresAt: number;
}

const SCAN_SEGMENTS = 4;

export class EventStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly ttlDays: number,
  ) {}

  /** Conditional so that a replayed write can never produce a second copy of the same event. */
  async put(event: StoredEvent): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: this.toRow(event),
        ConditionExpression: "attribute_not_exists(sk)",
      }),
    );
  }

  putMany(events: readonly StoredEvent[]): Promise<void> {
    return batchPut(
      this.db,
      this.table,
      events.map((e) => this.toRow(e)) as unknown as Record<string, unknown>[],
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

  /** Every unexpired event, read with a parallel scan (training and feature jobs). */
  async all(now = Date.now()): Promise<StoredEvent[]> {
    const segments = await Promise.all(
      Array.from({ length: SCAN_SEGMENTS }, (_, segment) => this.scanSegment(segment, now)),
    );
    return segments.flat();
  }

  private async scanSegment(segment: number, now: number): Promise<StoredEvent[]> {
    const rows = (await allPages((ExclusiveStartKey) =>
      this.db.send(
        new ScanCommand({
          TableName: this.table,
          Segment: segment,
          TotalSegments: SCAN_SEGMENTS,
          ExclusiveStartKey,
        }),
      ),
    )) as unknown as EventRow[];
    // TTL deletion is lazy in DynamoDB (and absent in dynalite): expired rows are filtered on read.
    return rows.filter((row) => row.expiresAt * 1000 > now).map(fromRow);
  }

  private toRow(event: StoredEvent): EventRow {
    return {
      ...event,
      sk: `${new Date(event.timestamp).toISOString()}#${event.eventId}`,
      expiresAt: Math.floor(event.timestamp / 1000) + this.ttlDays * 86_400,
    };
  }
}

function fromRow(row: EventRow): StoredEvent {
  const { sk: _sk, expiresAt: _expiresAt, ...event } = row;
  return event;
}
