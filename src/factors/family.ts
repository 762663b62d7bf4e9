import { randomBytes } from "node:crypto";
import { FactorModel, type ItemSide, type ModelManifest, type UserEntries } from "./model";
import { compact, type InteractionMatrix } from "./sparse";
import type { FactorParams, FamilyName, TrainingProgress } from "./types";

export interface TrainOptions {
  /** itemId -> category, stored with the model for category filters. */
  itemCategories?: ReadonlyMap<string, string>;
  onProgress?: (progress: TrainingProgress) => void;
  now?: Date;
  /** Threads for an epoch's row loops (1: this thread only). */
  threads?: number;
}

/**
 * A model family (NMF, ALS, EASE): its trainer and its fold-in. Everything else (artifact, store, gate,
 * scoring, related items, strategy) is shared, so a new family is this object and nothing more.
 */
export interface ModelFamily<P extends FactorParams = FactorParams> {
  readonly name: FamilyName;
  /** The settings a model of this family is trained with (what a manifest's params hold). */
  readonly paramNames: readonly string[];
  /** `recs tune`'s candidates per setting; settings not listed keep their configured value. */
  readonly searchSpace: Readonly<Record<string, readonly number[]>>;
  /** Whether foldIn solves against the items' Gram matrix (then computed once per model: k² x items). */
  readonly foldInUsesGram: boolean;
  /** A user's vector: the exact user step of the family's objective against fixed item factors. */
  foldIn(items: ItemSide, entries: UserEntries, params: P): Float32Array;
  /**
   * The query whose dot products with the item factors rank an item's related items. Without it,
   * related items are the most cosine-similar item vectors.
   */
  relatedQuery?(items: ItemSide, item: number, params: P): Float32Array;
  /** Trains on all the given interactions; users and items without entries are left out. */
  train(matrix: InteractionMatrix, params: P, options?: TrainOptions): FactorModel<P>;
}

export interface Factors {
  userIds: string[];
  itemIds: string[];
  /** users x components, row-major */
  userFactors: ArrayLike<number>;
  /** items x components, row-major */
  itemFactors: ArrayLike<number>;
}

/** What a trainer works on: users and items without entries left out; no entries at all is an error. */
export function trainingMatrix(interactions: InteractionMatrix): InteractionMatrix {
  const matrix = compact(interactions);
  if (matrix.values.length === 0)
    throw new Error("cannot train a model without interactions of positive weight");
  return matrix;
}

/** A servable model from factors (trained here or elsewhere), with the items' categories. */
export function modelOf<P extends FactorParams>(
  family: ModelFamily<P>,
  factors: Factors,
  params: P,
  training: ModelManifest["training"],
  options: Pick<TrainOptions, "itemCategories" | "now"> = {},
): FactorModel<P> {
  const createdAt = options.now ?? new Date();
  return new FactorModel(
    {
      format: 1,
      family: family.name,
      version: versionFor(createdAt),
      createdAt: createdAt.toISOString(),
      params,
      training,
      userIds: factors.userIds,
      itemIds: factors.itemIds,
      itemCategories: factors.itemIds.map((id) => options.itemCategories?.get(id) ?? null),
    },
    {
      userFactors: Float32Array.from(factors.userFactors),
      itemFactors: Float32Array.from(factors.itemFactors),
    },
    family,
  );
}

/**
 * A model trained here on `matrix` (from trainingMatrix): its ids and training figures come from the
 * matrix, the factors and the fit's figures from the trainer.
 */
export function trainedModelOf<P extends FactorParams>(
  family: ModelFamily<P>,
  matrix: InteractionMatrix,
  factors: Pick<Factors, "userFactors" | "itemFactors">,
  params: P,
  fit: { iterations: number; loss: number; startedAt: number },
  options: TrainOptions,
): FactorModel<P> {
  const { userIds, itemIds } = matrix;
  return modelOf(
    family,
    { userIds, itemIds, ...factors },
    params,
    {
      users: userIds.length,
      items: itemIds.length,
      interactions: matrix.values.length,
      iterations: fit.iterations,
      loss: fit.loss,
      durationMs: Date.now() - fit.startedAt,
    },
    options,
  );
}

/** Sorts by creation time as plain strings (the store relies on it); the suffix keeps it unique. */
function versionFor(createdAt: Date): string {
  const stamp = createdAt
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.(\d{3})Z$/, "$1Z");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/** Matches versionFor's names: other entries of a model folder (another family's subfolder) are not versions. */
export const VERSION_NAME = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;
