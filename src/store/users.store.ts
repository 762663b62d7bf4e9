import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import { batchGetByKey } from "./batch-get";
import { decodeInteractions, emptyUserState, encodeInteractions, type UserState } from "./user-state";

/** The users table's row: the state with its interactions and vector packed (older rows hold plain ones). */
interface UserRow extends Omit<UserState, "interactions" | "vector"> {
  interactions: Uint8Array | UserState["interactions"];
  vector?: Uint8Array | number[];
}

const MAX_CONFLICT_RETRIES = 8;

/** A user's state as read earlier; `state` undefined means the user had none. */
export interface KnownState {
  state: UserState | undefined;
}

function toRow(state: UserState): UserRow {
  const { vector, ...rest } = state;
  const row: UserRow = { ...rest, interactions: encodeInteractions(state.interactions) };
  if (vector) row.vector = new Uint8Array(Float32Array.from(vector).buffer);
  return row;
}

function fromRow(row: UserRow): UserState {
  const { interactions, vector, ...rest } = row;
  const state: UserState = {
    ...rest,
    interactions: interactions instanceof Uint8Array ? decodeInteractions(interactions) : interactions,
  };
  if (vector instanceof Uint8Array)
    state.vector = Array.from(new Float32Array(vector.slice().buffer, 0, vector.byteLength / 4));
  else if (vector) state.vector = vector;
  return state;
}

export class UserStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  get(userId: string): Promise<UserState | undefined> {
    return this.read(userId);
  }

  /** BatchGetItem, eventually consistent: a stale state only costs `update` a conflict and a re-read. */
  async getMany(ids: readonly string[]): Promise<Array<UserState | undefined>> {
    const rows = await batchGetByKey<UserRow & Record<string, unknown>>(this.db, this.table, "userId", ids);
    return rows.map((row) => row && fromRow(row));
  }

  private async read(userId: string): Promise<UserState | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { userId }, ConsistentRead: true }),
    );
    return out.Item && fromRow(out.Item as UserRow);
  }

  /**
   * Read-modify-write with optimistic locking on `version`: concurrent events for one user
   * never overwrite each other's interactions. `start` is a state read before (getMany), saving a read.
   */
  async update(userId: string, change: (state: UserState) => void, start?: KnownState): Promise<UserState> {
    for (let attempt = 0; ; attempt++) {
      // The first attempt may start from a cached state (a subclass's); a conflict means it was
      // stale, so retries read the table.
      const current =
        (attempt > 0 ? await this.read(userId) : start ? start.state : await this.get(userId)) ??
        emptyUserState(userId);
      const next: UserState = structuredClone(current);
      change(next);
      next.version = current.version + 1;
      next.updatedAt = Date.now();
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: toRow(next),
            ConditionExpression: current.version === 0 ? "attribute_not_exists(userId)" : "version = :v",
            ExpressionAttributeValues: current.version === 0 ? undefined : { ":v": current.version },
          }),
        );
        return next;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException) || attempt >= MAX_CONFLICT_RETRIES)
          throw error;
      }
    }
  }
}
