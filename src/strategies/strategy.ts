import type { CandidateFilter, ScoredItemId } from "../domain/ranking";
import type { StrategyName } from "../domain/vocabulary";

export interface RecommendQuery extends CandidateFilter {
  userId: string;
  k: number;
  /** The user's seen items when the caller excludes them (a subset of `exclude`): a service-side filter may take them over. */
  seen?: ReadonlySet<string>;
  /** The user's weighted interactions (itemId -> weight), most useful for fold-in and cold checks. */
  interactions: ReadonlyMap<string, number>;
  /** A latent vector stored with the user's state (fold-in), valid for one model version; read, never written. */
  storedVector?: { modelVersion: string; vector: Float32Array };
  context?: Record<string, string>;
}

export interface RelatedQuery extends CandidateFilter {
  itemId: string;
  k: number;
}

export interface StrategyResult {
  items: ScoredItemId[];
  modelVersion?: string;
  /** An id the backing service gave the list (Personalize's recommendationId). */
  externalId?: string;
}

export interface StrategyStatus {
  configured: boolean;
  ready: boolean;
  modelVersion?: string;
  detail?: string;
}

/** A recorded event as strategies see it, after it is stored. */
export interface RecordedEvent {
  eventId: string;
  userId: string;
  itemId: string;
  type: string;
  weight: number;
  timestamp: Date;
  sessionId?: string;
  recommendationId?: string;
  value?: number;
}

export interface Strategy {
  readonly name: StrategyName;
  /**
   * Answers from memory, without I/O: the router runs it without a timeout race or an abort signal of
   * its own, since a timer could not fire before a call that never yields anyway.
   */
  readonly inProcess?: boolean;
  status(): StrategyStatus;
  recommend(query: RecommendQuery, signal: AbortSignal): Promise<StrategyResult>;
  related(query: RelatedQuery, signal: AbortSignal): Promise<StrategyResult>;
  /** Called after an event is stored; failures are logged, never surfaced to the caller. */
  onEvent?(event: RecordedEvent, interactions: ReadonlyMap<string, number>): Promise<void>;
}

/**
 * Thrown when a strategy cannot answer this request in a way that is expected
 * (not configured, no model yet, a user it knows nothing about). The router falls
 * back without counting it as a failure of the strategy.
 */
export class StrategyUnavailableError extends Error {
  constructor(
    readonly strategy: StrategyName,
    reason: string,
  ) {
    super(`${strategy} unavailable: ${reason}`);
    this.name = "StrategyUnavailableError";
  }
}
