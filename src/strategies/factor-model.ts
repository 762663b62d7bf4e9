import { LRUCache } from "lru-cache";
import type { FamilyName } from "../factors/types";
import type { FactorModel } from "../factors/model";
import {
  StrategyUnavailableError,
  type RecommendQuery,
  type RelatedQuery,
  type Strategy,
  type StrategyResult,
  type StrategyStatus,
} from "./strategy";

/** Where the strategy gets the current model: loaded lazily, refreshed in the background. */
export interface ModelSource {
  current(): FactorModel | undefined;
  status(): { ready: boolean; modelVersion?: string; error?: string };
}

/** A user's vector folded in against the current model, to be stored with the user's state. */
export interface FoldedVector {
  modelVersion: string;
  vector: number[];
}

/** Users folded in at request time that are remembered (a few hundred bytes each). */
const FOLDED_USERS = 10_000;

/**
 * Wider vectors are not stored with the user: they would outweigh the interactions they come from
 * (MAX_INTERACTION_BYTES). Only EASE's are (its width is min(users, items)), and its fold-in is a
 * sum over the user's items, which a request redoes at little cost.
 */
const MAX_STORED_COMPONENTS = 512;

interface Folded {
  model: FactorModel;
  interactions: ReadonlyMap<string, number>;
  vector: Float32Array | undefined;
}

/** An in-process factor model (NMF, ALS or EASE): one class, the family's model store behind it. */
export class FactorModelStrategy implements Strategy {
  readonly inProcess = true;
  /**
   * After a retrain every stored vector is for the old model until the user's next event: without this,
   * each of their requests would fold in again (the costliest step of a request). Reused only for the
   * same model and the same interactions.
   */
  private readonly folded = new LRUCache<string, Folded>({ max: FOLDED_USERS });

  constructor(
    readonly name: FamilyName,
    private readonly models: ModelSource,
  ) {}

  status(): StrategyStatus {
    const { ready, modelVersion, error } = this.models.status();
    return { configured: true, ready, modelVersion, detail: error };
  }

  async recommend(query: RecommendQuery): Promise<StrategyResult> {
    const model = this.model();
    const vector = this.vectorFor(model, query);
    if (!vector) throw new StrategyUnavailableError(this.name, "no events for this user yet");
    return { items: model.recommend(vector, query.k, query), modelVersion: model.version };
  }

  async related(query: RelatedQuery): Promise<StrategyResult> {
    const model = this.model();
    const items = model.related(query.itemId, query.k, query);
    if (!items) throw new StrategyUnavailableError(this.name, "the model does not know this item");
    return { items, modelVersion: model.version };
  }

  /**
   * Real-time fold-in: called on every recorded event so the next request already reflects it.
   * Undefined when there is nothing to store (no model, no known item, or too wide a vector).
   */
  foldIn(interactions: ReadonlyMap<string, number>): FoldedVector | undefined {
    const model = this.models.current();
    if (model && model.components > MAX_STORED_COMPONENTS) return undefined;
    const vector = model?.foldIn(interactions);
    return model && vector ? { modelVersion: model.version, vector: Array.from(vector) } : undefined;
  }

  private model(): FactorModel {
    const model = this.models.current();
    if (!model)
      throw new StrategyUnavailableError(this.name, this.models.status().error ?? "no model loaded");
    return model;
  }

  /** Stored fold-in for this model, else a fresh fold-in of the user's events, else the trained vector. */
  private vectorFor(model: FactorModel, query: RecommendQuery): Float32Array | undefined {
    const stored = query.storedVector;
    if (stored?.modelVersion === model.version && stored.vector.length === model.components) {
      return stored.vector;
    }
    const folded = this.folded.get(query.userId);
    if (folded?.model === model && sameWeights(folded.interactions, query.interactions)) return folded.vector;
    const vector = model.foldIn(query.interactions) ?? model.userVector(query.userId);
    // The query's map is built for this request and never changed afterwards: kept as it is.
    this.folded.set(query.userId, { model, interactions: query.interactions, vector });
    return vector;
  }
}

function sameWeights(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a === b) return true; // the same state's weights: the service derives them once per state
  if (a.size !== b.size) return false;
  for (const [itemId, weight] of b) if (a.get(itemId) !== weight) return false;
  return true;
}
