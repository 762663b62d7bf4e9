import { familyConfig } from "../config";
import { InputError } from "../domain/errors";
import { readEventsCsv } from "../events/csv";
import { screensEpochs, tuneFamily } from "../factors/tune";
import { describeSettings, readInteractions, trainingSettings, trainModel } from "../jobs/train";
import { familiesFlag, intFlag, type Run } from "./args";
import { withApp } from "./common";
import { RowReport } from "./csv-report";

export const run: Run = (values) =>
  withApp(async (app) => {
    const families = familiesFlag(values, true);
    const trials = intFlag(values, "trials", 1, 1_000)!;
    const seed = intFlag(values, "seed", 0, 2 ** 31)!;
    const file = values.events as string | undefined;
    const report = file ? new RowReport(file) : undefined;
    const csv = file ? readEventsCsv(file, app.config.events, { onRowError: report!.onRowError }) : undefined;
    const matrix = await readInteractions(app, { csv }, console.log);
    if (report?.skipped) console.error(`${file}: ${report.summary()}`);
    let refused = false;
    // Read once for every family trained below (a whole-catalog scan).
    let itemCategories: ReadonlyMap<string, string> | undefined;
    for (const family of families) {
      const { store } = app.factorModels[family];
      const { params } = await trainingSettings(app.config, store);
      const how = screensEpochs(store.family)
        ? "screens at a quarter of the epochs, then full trials"
        : "full trials (a closed form: no epochs to screen)";
      console.log(`${family}: ${trials} trials' budget on a validation split (seed ${seed}): ${how}`);
      let search;
      try {
        search = tuneFamily(matrix, store.family, params, {
          trials,
          seed,
          threads: app.config.model.threads,
          fixed: familyConfig(app.config, family).explicit,
          onTrial: (trial, index) =>
            console.log(
              `  ${trial.screen ? "screen" : `trial ${index + 1}`}: ${describeSettings(trial.params)} -> NDCG@10 ${trial.ndcg.toFixed(4)} (${trial.screen ? `${trial.epochs} epoch${trial.epochs === 1 ? "" : "s"}, ` : ""}${trial.seconds.toFixed(1)} s)`,
            ),
        });
      } catch (error) {
        // All families include EASE, which refuses data beyond its size: the others go on.
        if (!(error instanceof InputError) || families.length === 1) throw error;
        console.error(`${family} left out: ${error.message}`);
        continue;
      }
      const { best } = search;
      console.log(`${family} best: ${describeSettings(best.params)} -> NDCG@10 ${best.ndcg.toFixed(4)}`);
      if (values["no-train"]) continue;
      const tuned = {
        ...best,
        splitSeed: seed,
        trials: search.trials.length,
        tunedAt: new Date().toISOString(),
      };
      const { seconds: _seconds, ...stored } = tuned;
      itemCategories ??= await app.stores.items.categories();
      const trained = await trainModel(app, {
        family,
        matrix,
        itemCategories,
        tuned: stored,
        force: Boolean(values.force),
        print: console.log,
      });
      refused ||= !trained.promoted;
    }
    return refused ? 1 : 0;
  });
