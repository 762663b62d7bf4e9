import type { StrategyName } from "../domain/vocabulary";
import { checkId, checkOptionalText } from "../events/event.validation";
import { InputError } from "../domain/errors";
import { keepUserId, type UserIdMapper } from "../security/pseudonymise";
import { interactionWeights, type UserState } from "../store/user-state";
import type { ServedList, StrategyRouter } from "../strategies/router";

export const MAX_K = 100;
export const MAX_EXCLUDED_IDS = 500;

export interface ItemFilterInput {
  category?: string | null;
  excludeItemIds?: readonly string[] | null;
  /** Default true: items the user already interacted with are not recommended. */
  excludeSeen?: boolean | null;
}

export interface ListRequest {
  k?: number | null;
  strategy?: StrategyName | null;
  filter?: ItemFilterInput | null;
  /** Request context (device, location...) for strategies that use it. */
  context?: ReadonlyArray<{ key: string; value: string }> | null;
}

export const MAX_CONTEXT_ENTRIES = 20;
/** Personalize's rule for context keys (GetRecommendations: at most 150 characters of [A-Za-z0-9_]). */
const CONTEXT_KEY = /^[A-Za-z0-9_]{1,150}$/;

export type Router = Pick<StrategyRouter, "recommend" | "related">;

export interface UserStateReader {
  get(userId: string): Promise<UserState | undefined>;
}

export interface RecommendationPolicy {
  allowOverride: boolean;
}

export interface ServedCounter {
  served(list: ServedList): void;
}

interface UserHistory {
  interactions: ReadonlyMap<string, number>;
  seen: ReadonlySet<string>;
  storedVector?: { modelVersion: string; vector: Float32Array };
}

/** Validates requests, turns filters into exclusions and asks the router. */
export class RecommendationService {
  private readonly histories = new WeakMap<UserState, UserHistory>();

  constructor(
    private readonly router: Router,
    private readonly users: UserStateReader,
    private readonly policy: RecommendationPolicy,
    private readonly counter: ServedCounter,
    /** The domain edge: with USER_ID_HMAC_KEY, everything below sees only the pseudonym. */
    private readonly pseudonymise: UserIdMapper = keepUserId,
  ) {}

  async recommendations(userIdInput: string, request: ListRequest): Promise<ServedList> {
    const userId = this.pseudonymise(checkId("userId", userIdInput));
    const k = checkK(request.k);
    const strategy = this.checkOverride(request.strategy);
    const filter = checkFilter(request.filter);
    const context = checkContext(request.context);
    const state = await this.users.get(userId);
    const { interactions, seen: seenItems, storedVector } = this.history(state);
    const seen = filter.excludeSeen ? seenItems : undefined;
    const exclude =
      seen && filter.excludeItemIds.length === 0
        ? seen
        : new Set([...filter.excludeItemIds, ...(seen ?? [])]);
    return this.count(
      this.router.recommend(
        { userId, k, exclude, seen, category: filter.category, interactions, storedVector, context },
        strategy,
      ),
    );
  }

  async relatedItems(itemIdInput: string, request: ListRequest): Promise<ServedList> {
    const itemId = checkId("itemId", itemIdInput);
    const k = checkK(request.k);
    const strategy = this.checkOverride(request.strategy);
    const filter = checkFilter(request.filter);
    const exclude = new Set(filter.excludeItemIds).add(itemId);
    return this.count(this.router.related({ itemId, k, exclude, category: filter.category }, strategy));
  }

  async popularItems(request: ListRequest): Promise<ServedList> {
    const k = checkK(request.k);
    const filter = checkFilter(request.filter);
    return this.count(
      this.router.recommend(
        {
          userId: "",
          k,
          exclude: new Set(filter.excludeItemIds),
          category: filter.category,
          interactions: new Map(),
        },
        "POPULAR",
      ),
    );
  }

  /**
   * A user's weights, seen items and stored vector, derived once per state read: the store's states
   * are never changed once returned (an update writes a new one), and a cached state comes back as the
   * same object.
   */
  private history(state: UserState | undefined): UserHistory {
    if (!state) return { interactions: new Map(), seen: new Set() };
    let history = this.histories.get(state);
    if (!history) {
      const interactions = interactionWeights(state);
      const { vector, vectorModel } = state;
      history = {
        interactions,
        seen: new Set(interactions.keys()),
        storedVector:
          vector && vectorModel
            ? { modelVersion: vectorModel, vector: Float32Array.from(vector) }
            : undefined,
      };
      this.histories.set(state, history);
    }
    return history;
  }

  private async count(list: Promise<ServedList>): Promise<ServedList> {
    const served = await list;
    this.counter.served(served);
    return served;
  }

  private checkOverride(strategy: StrategyName | null | undefined): StrategyName | undefined {
    if (!strategy) return undefined;
    if (!this.policy.allowOverride) {
      throw new InputError("strategy", "per-request strategy overrides are disabled on this deployment");
    }
    return strategy;
  }
}

function checkK(k: number | null | undefined): number {
  const value = k ?? 10;
  if (!Number.isInteger(value) || value < 1 || value > MAX_K)
    throw new InputError("k", `must be an integer in 1..${MAX_K}`);
  return value;
}

function checkFilter(filter: ItemFilterInput | null | undefined) {
  const ids = filter?.excludeItemIds ?? [];
  if (ids.length > MAX_EXCLUDED_IDS) {
    throw new InputError("filter.excludeItemIds", `at most ${MAX_EXCLUDED_IDS} ids`);
  }
  return {
    category: checkOptionalText("filter.category", filter?.category),
    excludeItemIds: ids.map((id, i) => checkId(`filter.excludeItemIds[${i}]`, id)),
    excludeSeen: filter?.excludeSeen ?? true,
  };
}

/**
 * Checked against Personalize's limits (keys of at most 150 letters, digits and underscores; values
 * of at most 1,000 characters, ours 256), so a caller's mistake is a BAD_USER_INPUT here and never a
 * refused call that counts against the strategy.
 */
function checkContext(entries: ListRequest["context"]): Record<string, string> | undefined {
  if (!entries?.length) return undefined;
  if (entries.length > MAX_CONTEXT_ENTRIES)
    throw new InputError("context", `at most ${MAX_CONTEXT_ENTRIES} entries`);
  const context: Record<string, string> = {};
  entries.forEach(({ key, value }, i) => {
    if (typeof key !== "string" || !CONTEXT_KEY.test(key))
      throw new InputError(`context[${i}].key`, "must be 1..150 letters, digits or underscores");
    context[key] = checkId(`context[${i}].value`, value);
  });
  return context;
}
