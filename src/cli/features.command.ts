import { runFeatureJob } from "../ranker/features/job";
import type { Run } from "./args";
import { featureStore, withApp } from "./common";

export const run: Run = () =>
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
  });
