/** A random but valid binary:logistic save_model JSON: full-depth trees on random features (benchmarks only). */
export function randomXgbModelJson(shape: {
  trees: number;
  depth: number;
  features: number;
  random: () => number;
}): object {
  const { random } = shape;
  const gaussian = (): number =>
    Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
  const tree = (): Record<string, number[]> => {
    const nodes = 2 ** (shape.depth + 1) - 1;
    const internal = 2 ** shape.depth - 1;
    const t: Record<string, number[]> = {
      left_children: [],
      right_children: [],
      split_indices: [],
      split_conditions: [],
      default_left: [],
      split_type: [],
    };
    for (let i = 0; i < nodes; i++) {
      const leaf = i >= internal;
      t.left_children!.push(leaf ? -1 : 2 * i + 1);
      t.right_children!.push(leaf ? -1 : 2 * i + 2);
      t.split_indices!.push(leaf ? 0 : Math.floor(random() * shape.features));
      t.split_conditions!.push(Math.fround(leaf ? gaussian() * 0.1 : gaussian()));
      t.default_left!.push(random() < 0.5 ? 1 : 0);
      t.split_type!.push(0);
    }
    return t;
  };
  return xgbModelJson(shape.features, Array.from({ length: shape.trees }, tree));
}

/** XGBoost's save_model JSON for binary:logistic around the given trees (one output group). */
export function xgbModelJson(featureCount: number, trees: object[]): object {
  return {
    version: [1, 7, 4],
    learner: {
      learner_model_param: {
        base_score: "5E-1",
        num_feature: String(featureCount),
        num_class: "0",
        num_target: "1",
      },
      objective: { name: "binary:logistic" },
      gradient_booster: {
        name: "gbtree",
        model: { tree_info: new Array(trees.length).fill(0), trees },
      },
    },
  };
}
