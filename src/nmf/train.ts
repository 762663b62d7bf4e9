import { trainedModelOf, trainingMatrix, type ModelFamily, type TrainOptions } from "../factors/family";
import type { FactorModel } from "../factors/model";
import type { InteractionMatrix } from "../factors/sparse";
import { DEFAULT_TOLERANCE, factorize } from "./factorize";
import { foldInVector } from "./fold-in";
import type { NmfParams } from "./types";

/** Trains a model on all the given interactions. Users and items without entries are left out. */
export function trainNmf(
  interactions: InteractionMatrix,
  params: NmfParams,
  options: TrainOptions = {},
): FactorModel<NmfParams> {
  const started = Date.now();
  const matrix = trainingMatrix(interactions);
  // Only the training parameters: callers may pass a wider config object.
  const { components, iterations, l2, l1, seed, tolerance = DEFAULT_TOLERANCE } = params;
  const resolved: Required<NmfParams> = { components, iterations, l2, l1, seed, tolerance };
  const result = factorize(matrix, resolved, options.onProgress, options.threads);
  return trainedModelOf(
    nmf,
    matrix,
    { userFactors: result.userFactors, itemFactors: result.itemFactors },
    resolved,
    { iterations: result.iterations, loss: result.loss, startedAt: started },
    options,
  );
}

export const nmf: ModelFamily<NmfParams> = {
  name: "NMF",
  paramNames: ["components", "iterations", "l2", "l1", "seed"],
  searchSpace: {
    components: [8, 16, 32, 64, 128],
    l2: [0, 0.01, 0.05, 0.2, 1, 5],
    l1: [0, 0.01, 0.1],
    iterations: [50, 100, 200],
  },
  foldInUsesGram: true,
  foldIn: (items, entries, { l2, l1 }) =>
    foldInVector(items.factors, items.gram!, items.components, entries, { l2, l1 }),
  train: trainNmf,
};
