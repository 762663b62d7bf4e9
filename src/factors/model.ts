import type { CandidateFilter, ScoredItemId } from "../domain/ranking";
import { DotKernel } from "./dot-kernel";
import type { ModelFamily } from "./family";
import { gramOf } from "./gram";
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
  /** That split's seed (absent in manifests before 2026-12), so the gate can judge on another. */
  splitSeed?: number;
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
}

export interface ModelArrays {
  userFactors: Float32Array;
  itemFactors: Float32Array;
}

/** A user's items as model indexes with their weights. */
export type UserEntries = ReadonlyArray<{ item: number; weight: number }>;

/** The fixed item side that a fold-in solves against. */
export interface ItemSide {
  factors: Float32Array;
  /** Their Gram matrix HᵀH, k x k, computed once per model for the families whose fold-in uses it. */
  gram?: Float64Array;
  components: number;
  /** Interactions per user in the training data (ALS scales a user's penalty by their share of it). */
  meanUserEntries: number;
}

/**
 * A trained factor model of any family: read-only, cheap to query, safe to share between concurrent
 * requests. Scoring, top-k and related items are the same for every family; only the fold-in differs.
 */
export class FactorModel<P extends FactorParams = FactorParams> {
  readonly version: string;
  readonly components: number;
  private readonly top = new TopK(0);

  constructor(
    readonly manifest: ModelManifest<P>,
    readonly arrays: ModelArrays,
    readonly family: ModelFamily<P>,
    /** Built from the ids and arrays; withManifest passes its own on, since neither changes. */
    private readonly derived: Derived = derive(manifest, arrays, family),
  ) {
    this.version = manifest.version;
    this.components = manifest.params.components;
  }

  /** The same model with more manifest fields (metrics, gate decision). */
  withManifest(extra: Pick<ModelManifest<P>, "metrics" | "gate" | "tuned">): FactorModel<P> {
    return new FactorModel({ ...this.manifest, ...extra }, this.arrays, this.family, this.derived);
  }

  hasItem(itemId: string): boolean {
    return this.derived.itemIndex.has(itemId);
  }

  /** The trained vector of a user seen at training time. */
  userVector(userId: string): Float32Array | undefined {
    const u = this.derived.userIndex.get(userId);
    if (u === undefined) return undefined;
    return this.arrays.userFactors.subarray(u * this.components, (u + 1) * this.components);
  }

  /** A user's vector from their current interactions (itemId -> weight); undefined if no item is known. */
  foldIn(interactions: ReadonlyMap<string, number>): Float32Array | undefined {
    const entries = [];
    for (const [itemId, weight] of interactions) {
      const item = this.derived.itemIndex.get(itemId);
      if (item !== undefined && weight > 0) entries.push({ item, weight });
    }
    if (entries.length === 0) return undefined;
    return this.family.foldIn(this.derived.items, entries, this.manifest.params);
  }

  /**
   * The k best items for a user vector: the SIMD kernel scores the whole catalog, then one pass keeps
   * the best that pass the filters. The winners' scores are recomputed in Float64 (the kernel sums in
   * Float32), so callers see the same scores as a plain dot product, and ordered by them.
   */
  recommend(vector: Float32Array, k: number, filter: CandidateFilter): ScoredItemId[] {
    const category = this.categoryFilter(filter);
    if (category === null) return [];
    const factors = this.arrays.itemFactors;
    const dims = this.components;
    const winners = this.best(
      this.derived.scorer.scoreAll(vector),
      undefined,
      k,
      category,
      filter.exclude,
      -1,
    );
    return this.ranked(winners, (index) => dot(vector, 0, factors, index * dims, dims));
  }

  /**
   * An item's k most related items, never the item itself, filtered; undefined when the model does not
   * know it. Related means the family's related query (EASE: the item's row of item-item weights),
   * else the most cosine-similar item vectors. Scored against the whole catalog on each call, as
   * `recommend` is: the same cost, and no all-pairs precompute (O(items² · k)) at training time,
   * which a large catalog cannot afford.
   */
  related(itemId: string, k: number, filter: CandidateFilter): ScoredItemId[] | undefined {
    const item = this.derived.itemIndex.get(itemId);
    if (item === undefined) return undefined;
    const category = this.categoryFilter(filter);
    if (category === null) return [];
    const factors = this.arrays.itemFactors;
    const dims = this.components;
    const query = this.family.relatedQuery?.(this.derived.items, item, this.manifest.params);
    // Cosine (the norms) only without a family query: derive() keeps norms for exactly those families.
    const norms = this.derived.inverseNorms;
    const vector = query ?? factors.subarray(item * dims, (item + 1) * dims);
    const winners = this.best(this.derived.scorer.scoreAll(vector), norms, k, category, filter.exclude, item);
    return this.ranked(winners, (index) => {
      const score = dot(vector, 0, factors, index * dims, dims);
      return norms ? score * norms[item]! * norms[index]! : score;
    });
  }

  /**
   * The indexes of the k best scores (each times scale[i] when given) that pass the filters, `skip`
   * left out. One heap for every call, as the kernel's buffers: a call runs to its end without yielding.
   */
  private best(
    scores: Float32Array,
    scale: Float32Array | undefined,
    k: number,
    category: number,
    exclude: ReadonlySet<string>,
    skip: number,
  ): number[] {
    const top = this.top;
    top.reset(k);
    let threshold = top.threshold;
    for (let i = 0; i < scores.length; i++) {
      const score = scale ? scores[i]! * scale[i]! : scores[i]!;
      // Filters are only checked for items good enough to enter the heap: most items never are.
      if (score > threshold && i !== skip && this.accepts(i, category, exclude)) {
        top.push(i, score);
        threshold = top.threshold;
      }
    }
    return top.indexes();
  }

  /** The winners with their exact (Float64) scores, best first, the lower index first on a tie. */
  private ranked(winners: number[], exactScore: (index: number) => number): ScoredItemId[] {
    return winners
      .map((index) => ({ index, score: exactScore(index) }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .map(({ index, score }) => ({ itemId: this.manifest.itemIds[index]!, score }));
  }

  /** -1: any category; null: a category no item has, so nothing can match. */
  private categoryFilter(filter: CandidateFilter): number | null {
    if (filter.category === undefined) return -1;
    return this.derived.categoryIds.get(filter.category) ?? null;
  }

  private accepts(item: number, category: number, exclude: ReadonlySet<string>): boolean {
    if (category >= 0 && this.derived.itemCategory[item] !== category) return false;
    return exclude.size === 0 || !exclude.has(this.manifest.itemIds[item]!);
  }
}

/** What a model computes from its ids and arrays: indexes, the fold-in's item side, the scoring kernel. */
interface Derived {
  userIndex: Map<string, number>;
  itemIndex: Map<string, number>;
  categoryIds: Map<string, number>;
  itemCategory: Int32Array;
  items: ItemSide;
  scorer: DotKernel;
  /**
   * 1 / |item factors| (0 for a zero row): the scored dot products become cosines. Only for a family
   * without its own related query, the one user of it.
   */
  inverseNorms: Float32Array | undefined;
}

function derive(manifest: ModelManifest, arrays: ModelArrays, family: ModelFamily): Derived {
  const k = manifest.params.components;
  const m = manifest.userIds.length;
  const n = manifest.itemIds.length;
  if (arrays.userFactors.length !== m * k || arrays.itemFactors.length !== n * k) {
    throw new Error(
      `model ${manifest.version}: factor sizes do not match ${m} users, ${n} items, ${k} components`,
    );
  }
  if (manifest.itemCategories.length !== n) {
    throw new Error(`model ${manifest.version}: category sizes do not match ${n} items`);
  }
  const categoryIds = new Map<string, number>();
  const itemCategory = Int32Array.from(manifest.itemCategories, (category) => {
    if (category === null) return -1;
    if (!categoryIds.has(category)) categoryIds.set(category, categoryIds.size);
    return categoryIds.get(category)!;
  });
  const { interactions, users } = manifest.training;
  return {
    userIndex: new Map(manifest.userIds.map((id, i) => [id, i])),
    itemIndex: new Map(manifest.itemIds.map((id, i) => [id, i])),
    categoryIds,
    itemCategory,
    items: {
      factors: arrays.itemFactors,
      gram: family.foldInUsesGram ? gramOf(arrays.itemFactors, k) : undefined,
      components: k,
      meanUserEntries: interactions / Math.max(1, users),
    },
    scorer: new DotKernel(arrays.itemFactors, n, k),
    inverseNorms: family.relatedQuery
      ? undefined
      : Float32Array.from({ length: n }, (_, i) => {
          const norm = Math.sqrt(dot(arrays.itemFactors, i * k, arrays.itemFactors, i * k, k));
          return norm > 0 ? 1 / norm : 0;
        }),
  };
}

/** a[from..from+k) · b[at..at+k), summed in Float64. */
function dot(a: Float32Array, from: number, b: Float32Array, at: number, k: number): number {
  let sum = 0;
  for (let f = 0; f < k; f++) sum += a[from + f]! * b[at + f]!;
  return sum;
}
