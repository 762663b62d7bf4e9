import path from "node:path";
import { buildTrainingSet, writeTrainingSet } from "../features/export";
import { FeatureStore } from "../features/feature.store";
import { runFeatureJob } from "../features/job";
import type { App } from "../app";
import { UsageError, intFlag, numberFlag } from "./args";
import { withApp, type Command } from "./commands";

const featureStore = (app: App): FeatureStore => new FeatureStore(app.db, app.config.dynamo.tables.stats);

export const featuresCommand: Command = {
  summary: "compute user and item features and the feature spec from the events table (XGBoost ranker)",
  flags: {},
  run: () =>
    withApp(async (app) => {
      const report = await runFeatureJob({
        events: app.stores.events,
        items: app.stores.items,
        features: featureStore(app),
      });
      console.log(
        `features of ${report.users} users and ${report.items} items from ${report.events} events; ` +
          `spec ${report.spec.version} (${report.spec.features.length} features, ${report.spec.categories.length} categories)`,
      );
      return 0;
    }),
};

export const exportXgboostCommand: Command = {
  summary: "write SageMaker built-in XGBoost training CSVs (train/, validation/) and feature-spec.json",
  flags: {
    out: { type: "string", help: "output folder (required)" },
    negatives: { type: "string", default: "4", help: "negatives sampled per positive, by popularity" },
    validation: { type: "string", default: "0.2", help: "share of users in the validation set" },
    seed: { type: "string", default: "42", help: "random seed of sampling and split" },
  },
  run: async (values) => {
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
      const [events, categories] = await Promise.all([
        app.stores.events.all(),
        app.stores.items.categories(),
      ]);
      const set = buildTrainingSet(events, categories, spec, options);
      const files = await writeTrainingSet(out, set, spec);
      console.log(
        `${set.positives} positives, ${set.negatives} negatives: ${set.train.length} train rows, ` +
          `${set.validation.length} validation rows, ${spec.features.length} features (spec ${spec.version})`,
      );
      console.log(`wrote ${files.train}\n      ${files.validation}\n      ${files.spec}`);
      return 0;
    });
  },
};
