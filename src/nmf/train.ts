import { randomBytes } from "node:crypto";
import { DEFAULT_TOLERANCE, factorize } from "./factorize";
import { NmfModel, type ModelManifest } from "./model";
import { computeNeighbours, NEIGHBOURS_PER_ITEM } from "./neighbours";
import { compact, type InteractionMatrix } from "./sparse";
import type { NmfParams, TrainingProgress } from "./types";

export interface TrainOptions {
  /** itemId -> category, stored with the model for category filters. */
  itemCategories?: ReadonlyMap<string, string>;
  onProgress?: (progress: TrainingProgress) => void;
  now?: Date;
  /** Threads for an epoch's row loops (1: this thread only). */
  threads?: number;
}

/** Trains a model on all the given interactions: factors, then the item neighbour lists. Users and items without entries are left out. */
export function trainNmf(
  interactions: InteractionMatrix,
  params: NmfParams,
  options: TrainOptions = {},
): NmfModel {
  const started = Date.now();
  const matrix = compact(interactions);
  if (matrix.values.length === 0)
    throw new Error("cannot train a model without interactions of positive weight");
  // Only the training parameters: callers may pass a wider config object.
  const { components, iterations, l2, l1, seed, tolerance = DEFAULT_TOLERANCE } = params;
  const resolved: Required<NmfParams> = { components, iterations, l2, l1, seed, tolerance };
  const result = factorize(matrix, resolved, options.onProgress, options.threads);
  return modelOf(
    {
      userIds: matrix.userIds,
      itemIds: matrix.itemIds,
      userFactors: result.userFactors,
      itemFactors: result.itemFactors,
    },
    resolved,
    {
      users: matrix.userIds.length,
      items: matrix.itemIds.length,
      interactions: matrix.values.length,
      iterations: result.iterations,
      loss: result.loss,
      durationMs: Date.now() - started,
    },
    options,
  );
}

export interface Factors {
  userIds: string[];
  itemIds: string[];
  /** users x components, row-major */
  userFactors: ArrayLike<number>;
  /** items x components, row-major */
  itemFactors: ArrayLike<number>;
}

/** A servable model from factors (trained here or elsewhere): adds item neighbours and categories. */
export function modelOf(
  factors: Factors,
  params: Required<NmfParams>,
  training: ModelManifest["training"],
  options: Pick<TrainOptions, "itemCategories" | "now"> = {},
): NmfModel {
  const itemFactors = Float32Array.from(factors.itemFactors);
  const neighbours = computeNeighbours(itemFactors, factors.itemIds.length, params.components);
  const createdAt = options.now ?? new Date();
  return new NmfModel(
    {
      format: 1,
      version: versionFor(createdAt),
      createdAt: createdAt.toISOString(),
      params,
      training,
      userIds: factors.userIds,
      itemIds: factors.itemIds,
      itemCategories: factors.itemIds.map((id) => options.itemCategories?.get(id) ?? null),
      neighboursPerItem: NEIGHBOURS_PER_ITEM,
    },
    { userFactors: Float32Array.from(factors.userFactors), itemFactors, neighbours },
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
