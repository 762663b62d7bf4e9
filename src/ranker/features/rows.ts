import { featureRowsBySpec, type FeatureRows } from "../xgboost/rows";
import type { FeatureSpec, Features } from "./spec";

/** One (user, item) example: whichever feature groups are known; absent ones become missing cells. */
export interface PairFeatures {
  user?: Features;
  item?: Features;
  pair: Features;
}

/** The one row builder of both serving and the training export: columns in spec order, NaN when missing. */
export function buildFeatureRows(
  spec: Pick<FeatureSpec, "features">,
  pairs: readonly PairFeatures[],
): FeatureRows {
  return featureRowsBySpec(
    spec.features,
    pairs.map(({ user, item, pair }) => ({ ...user, ...item, ...pair })),
  );
}
