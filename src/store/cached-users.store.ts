import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { TtlCache } from "../shared/ttl-cache";
import type { UserState } from "./user-state";
import { UserStore, type KnownState } from "./users.store";

/**
 * The user store with a write-through in-process cache of user state. It is only coherent when this
 * process is the one writer of the table: the embedded store guarantees that (LevelDB locks its folder
 * to one process), so the local server turns it on; with a shared DynamoDB (Lambda, several servers) a
 * cached state could miss another process's events, and USER_CACHE_SECONDS defaults to 0 there.
 */
export class CachingUserStore extends UserStore {
  private readonly cache: TtlCache<UserState | undefined>;

  constructor(db: DynamoDBDocumentClient, table: string, ttlSeconds: number, now?: () => number) {
    super(db, table);
    this.cache = new TtlCache(ttlSeconds * 1000, 100_000, now);
  }

  override async get(userId: string): Promise<UserState | undefined> {
    const hit = this.cache.lookup(userId);
    if (hit) return hit.value;
    const state = await super.get(userId);
    this.cache.set(userId, state);
    return state;
  }

  override getMany(ids: readonly string[]): Promise<Array<UserState | undefined>> {
    return this.cache.getMany(ids, (missing) => super.getMany(missing));
  }

  override async update(
    userId: string,
    change: (state: UserState) => void,
    start?: KnownState,
  ): Promise<UserState> {
    try {
      const state = await super.update(userId, change, start);
      this.cache.set(userId, state);
      return state;
    } catch (error) {
      this.cache.delete(userId); // unknown outcome: read it again next time
      throw error;
    }
  }
}
