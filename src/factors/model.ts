import type { CandidateFilter, ScoredItemId } from "../domain/ranking";
import { DotKernel } from "./dot-kernel";
import type { ModelFamily } from "./family";
import { gramOf } from "./gram";
import { computeNeighbours, type ItemNeighbours } from "./neighbours";
import { TopK } from "./top-k";
import type { FactorParams, FamilyName } from "./types";

export interface RankingMetrics {
  k: number;
  users: number;
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  coverage: number;
}

export interface GateDecision {
  promoted: boolean;
  forced: boolean;
  reason: string;
  candidateNdcg: number;
  popularityNdcg: number;
  latestVersion?: string;
  latestNdcg?: number;
  /** The gate allowed the candidate this much below the latest's NDCG (manifests before 2026-11 call it `tolerance`). */
  allowedNdcgDrop: number;
}

/** What `recs tune` found: the settings later retraining uses unless the environment sets them. */
export interface TunedSettings<P extends FactorParams = FactorParams> {
  params: P;
  /** NDCG@10 of the winner on the tuning run's validation split. */
  ndcg: number;
  trials: number;
  tunedAt: string;
}

/** Everything about a model except its binary arrays; stored as manifest.json. */
export interface ModelManifest<P extends FactorParams = FactorParams> {
  format: 1;
  /** Which trainer made it, so a store never serves one family's factors with another's fold-in. */
  family: FamilyName;
  version: string;
  createdAt: string;
  params: P;
  /** Carried from version to version until the next `recs tune`. */
  tuned?: TunedSettings<P>;
  training: {
    users: number;
    items: number;
    interactions: number;
    iterations: number;
    loss: number;
    durationMs: number;
  };
  /** Held-out metrics of the candidate and the popularity baseline, when validated. */
  metrics?: { candidate: RankingMetrics; popularity: RankingMetrics; latest?: RankingMetrics };
  gate?: GateDecision;
  userIds: string[];
  itemIds: string[];
  /** Aligned with itemIds; null when an item has no category. */
  itemCategories: Array<string | null>;
  neighboursPerItem: number;
}

export interface ModelArrays {
  userFactors: Float32Array;
  itemFactors: Float32Array;
  /**
   * Computed on first use when absent (FactorModel.neighbours): a model trained only to be judged
   * (recs tune's trials, recs evaluate) never pays for the O(items² · k) precompute.
   */
  neighbours?: ItemNeighbours;
}

/** A user's items as model indexes with their weights. */
export type UserEntries = ReadonlyArray<{ item: number; weight: number }>;

/** The fixed item side that a fold-in solves against. */
export interface ItemSide {
  factors: Float32Array;
  /** Their Gram matrix HᵀH, k x k, computed once per model. */
  gram: Float64Array;
  components: number;
  /** Interactions per user in the training data (ALS scales a user's penalty by their share of it). */
  meanUserEntries: number;
}

/**
 * A trained factor model of any family: read-only, cheap to query, safe to share between concurrent
 * requests. Scoring, top-k and neighbours are the same for every family; only the fold-in differs.
 */
export class FactorModel<P extends FactorParams = FactorParams> {
  readonly version: string;
  readonly components: number;
  private readonly userIndex: Map<string, number>;
  private readonly itemIndex: Map<string, number>;
  private readonly categoryIds = new Map<string, number>();
  private readonly itemCategory: Int32Array;
  private readonly items: ItemSide;
  private readonly scorer: DotKernel;
  private readonly top = new TopK(0);

  constructor(
    readonly manifest: ModelManifest<P>,
    readonly arrays: ModelArrays,
    readonly family: ModelFamily<P>,
  ) {
    const k = manifest.params.components;
    const m = manifest.userIds.length;
    const n = manifest.itemIds.length;
    if (arrays.userFactors.length !== m * k || arrays.itemFactors.length !== n * k) {
      throw new Error(
        `model ${manifest.version}: factor sizes do not match ${m} users, ${n} items, ${k} components`,
      );
    }
    if (
      (arrays.neighbours && arrays.neighbours.ids.length !== n * manifest.neighboursPerItem) ||
      manifest.itemCategories.length !== n
    ) {
      throw new Error(`model ${manifest.version}: neighbour or category sizes do not match ${n} items`);
    }
    this.version = manifest.version;
    this.components = k;
    this.userIndex = new Map(manifest.userIds.map((id, i) => [id, i]));
    this.itemIndex = new Map(manifest.itemIds.map((id, i) => [id, i]));
    this.itemCategory = Int32Array.from(manifest.itemCategories, (category) => {
      if (category === null) return -1;
      if (!this.categoryIds.has(category)) this.categoryIds.set(category, this.categoryIds.size);
      return this.categoryIds.get(category)!;
    });
    const gram = gramOf(arrays.itemFactors, k);
    const { interactions, users } = manifest.training;
    this.items = {
      factors: arrays.itemFactors,
      gram,
      components: k,
      meanUserEntries: interactions / Math.max(1, users),
    };
    this.scorer = new DotKernel(arrays.itemFactors, n, k);
  }

  /** The same model with more manifest fields (metrics, gate decision). */
  withManifest(extra: Pick<ModelManifest<P>, "metrics" | "gate" | "tuned">): FactorModel<P> {
    return new FactorModel({ ...this.manifest, ...extra }, this.arrays, this.family);
  }

  /** Every item's nearest items (stored with the model; computed here once if it came without). */
  get neighbours(): ItemNeighbours {
    const { manifest, arrays } = this;
    arrays.neighbours ??= computeNeighbours(
      arrays.itemFactors,
      manifest.itemIds.length,
      this.components,
      manifest.neighboursPerItem,
    );
    return arrays.neighbours;
  }

  hasItem(itemId: string): boolean {
    return this.itemIndex.has(itemId);
  }

  /** The trained vector of a user seen at training time. */
  userVector(userId: string): Float32Array | undefined {
    const u = this.userIndex.get(userId);
    if (u === undefined) return undefined;
    return this.arrays.userFactors.subarray(u * this.components, (u + 1) * this.components);
  }

  /** A user's vector from their current interactions (itemId -> weight); undefined if no item is known. */
  foldIn(interactions: ReadonlyMap<string, number>): Float32Array | undefined {
    const entries = [];
    for (const [itemId, weight] of interactions) {
      const item = this.itemIndex.get(itemId);
      if (item !== undefined && weight > 0) entries.push({ item, weight });
    }
    if (entries.length === 0) return undefined;
    return this.family.foldIn(this.items, entries, this.manifest.params);
  }

  /**
   * The k best items for a user vector: the SIMD kernel scores the whole catalog, then one pass keeps
   * the best that pass the filters. The winners' scores are recomputed in Float64 (the kernel sums in
   * Float32), so callers see the same scores as a plain dot product, and ordered by them.
   */
  recommend(vector: Float32Array, k: number, filter: CandidateFilter): ScoredItemId[] {
    const category = this.categoryFilter(filter);
    if (category === null) return [];
    const scores = this.scorer.scoreAll(vector);
    const n = scores.length;
    // One heap for every call, as the kernel's buffers: a call runs to its end without yielding.
    const top = this.top;
    top.reset(k);
    let threshold = top.threshold;
    for (let i = 0; i < n; i++) {
      const score = scores[i]!;
      // Filters are only checked for items good enough to enter the heap: most items never are.
      if (score > threshold && this.accepts(i, category, filter.exclude)) {
        top.push(i, score);
        threshold = top.threshold;
      }
    }
    const dims = this.components;
    const factors = this.arrays.itemFactors;
    const winners = top.indexes().map((index) => {
      let score = 0;
      for (let f = 0, row = index * dims; f < dims; f++) score += vector[f]! * factors[row + f]!;
      return { index, score };
    });
    // Best first, the lower index first on a tie: a total order, whatever order the heap kept.
    winners.sort((a, b) => b.score - a.score || a.index - b.index);
    return winners.map(({ index, score }) => ({ itemId: this.manifest.itemIds[index]!, score }));
  }

  /** Stored nearest neighbours of an item, filtered; undefined when the model does not know it. */
  related(itemId: string, k: number, filter: CandidateFilter): ScoredItemId[] | undefined {
    const item = this.itemIndex.get(itemId);
    if (item === undefined) return undefined;
    const category = this.categoryFilter(filter);
    if (category === null) return [];
    const { ids, scores, perItem } = this.neighbours;
    const out: ScoredItemId[] = [];
    for (let slot = item * perItem; slot < (item + 1) * perItem && out.length < k; slot++) {
      const j = ids[slot]!;
      if (j < 0) break;
      if (j !== item && this.accepts(j, category, filter.exclude)) {
        out.push({ itemId: this.manifest.itemIds[j]!, score: scores[slot]! });
      }
    }
    return out;
  }

  /** -1: any category; null: a category no item has, so nothing can match. */
  private categoryFilter(filter: CandidateFilter): number | null {
    if (filter.category === undefined) return -1;
    return this.categoryIds.get(filter.category) ?? null;
  }

  private accepts(item: number, category: number, exclude: ReadonlySet<string>): boolean {
    if (category >= 0 && this.itemCategory[item] !== category) return false;
    return exclude.size === 0 || !exclude.has(this.manifest.itemIds[item]!);
  }
}
