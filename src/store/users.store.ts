import { GetCommand, PutCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/** Per-user state derived from events; the events table stays the source of truth. */
export interface UserState {
  userId: string;
  /** itemId -> [summed weight, last interaction epoch ms] */
  interactions: Record<string, [number, number]>;
  /** Latent vector folded in against the model named by vectorModel (NMF). */
  vector?: number[];
  vectorModel?: string;
  version: number;
  updatedAt: number;
}

/** Bounded so a very active user never approaches DynamoDB's 400 KB item limit. */
export const MAX_INTERACTIONS_PER_USER = 500;
const MAX_CONFLICT_RETRIES = 8;

export function emptyUserState(userId: string): UserState {
  return { userId, interactions: {}, version: 0, updatedAt: 0 };
}

/**
 * Adds interactions, then keeps the most recent MAX_INTERACTIONS_PER_USER items: one trim per
 * batch, so a user with thousands of imported events costs one sort, not one per event.
 */
export function addInteractions(
  state: UserState,
  events: Iterable<{ itemId: string; weight: number; timestamp: number }>,
): void {
  for (const { itemId, weight, timestamp } of events) {
    const previous = state.interactions[itemId];
    state.interactions[itemId] = [(previous?.[0] ?? 0) + weight, Math.max(previous?.[1] ?? 0, timestamp)];
  }
  const ids = Object.keys(state.interactions);
  if (ids.length <= MAX_INTERACTIONS_PER_USER) return;
  ids.sort((a, b) => state.interactions[a]![1] - state.interactions[b]![1]);
  for (const id of ids.slice(0, ids.length - MAX_INTERACTIONS_PER_USER)) delete state.interactions[id];
}

export function interactionWeights(state: UserState | undefined): Map<string, number> {
  return new Map(Object.entries(state?.interactions ?? {}).map(([id, [w]]) => [id, w]));
}

export class UserStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  get(userId: string): Promise<UserState | undefined> {
    return this.read(userId);
  }

  private async read(userId: string): Promise<UserState | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { userId }, ConsistentRead: true }),
    );
    return out.Item as UserState | undefined;
  }

  /**
   * Read-modify-write with optimistic locking on `version`: concurrent events for one user
   * never overwrite each other's interactions.
   */
  async update(userId: string, change: (state: UserState) => void): Promise<UserState> {
    for (let attempt = 0; ; attempt++) {
      // The first attempt may start from a cached state (a subclass's); a conflict means it was
      // stale, so retries read the table.
      const current =
        (attempt === 0 ? await this.get(userId) : await this.read(userId)) ?? emptyUserState(userId);
      const next: UserState = structuredClone(current);
      change(next);
      next.version = current.version + 1;
      next.updatedAt = Date.now();
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: next,
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
