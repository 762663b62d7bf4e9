import path from "node:path";
import { buildTrainingSet, writeTrainingSet } from "../ranker/features/export";
import { UsageError, intFlag, numberFlag, type Run } from "./args";
import { featureStore, withApp } from "./common";

export const run: Run = async (values) => {
  if (typeof values.out !== "string") throw new UsageError("give --out DIR");
  const out = path.resolve(values.out);
  const options = {
    negativesPerPositive: intFlag(values, "negatives", 0, 100)!,
    validationShare: numberFlag(values, "validation", 0, 0.9)!,
    seed: intFlag(values, "seed", 0, 2 ** 31)!,
    now: Date.now(),
  };
  return withApp(async (app) => {
    const spec = await featureStore(app).getSpec();
    if (!spec) {
      console.error("recs export-xgboost: no feature spec yet: run `npx recs features` first");
      return 1;
    }
    const [events, categories] = await Promise.all([app.stores.events.all(), app.stores.items.categories()]);
    const set = buildTrainingSet(events, categories, spec, options);
    const files = await writeTrainingSet(out, set, spec);
    console.log(
      `${set.positives} positives, ${set.negatives} negatives: ${set.train.length} train rows, ` +
        `${set.validation.length} validation rows, ${spec.features.length} features (spec ${spec.version})`,
    );
    console.log(`wrote ${files.train}\n      ${files.validation}\n      ${files.spec}`);
    return 0;
  });
};
