import { seedDemoData } from "../jobs/seed";
import { trainModel } from "../jobs/train";
import { intFlag, type Run } from "./args";
import { withApp } from "./common";

export const run: Run = (values) =>
  withApp(async (app) => {
    const options = {
      users: intFlag(values, "users", 1, 1_000_000) ?? app.config.seed.users,
      items: intFlag(values, "items", 10, 1_000_000) ?? app.config.seed.items,
      seed: intFlag(values, "seed", 0, 2 ** 31) ?? app.config.seed.seed,
    };
    const seeded = await seedDemoData(app, options);
    console.log(`seeded ${seeded.items} items, ${seeded.users} users, ${seeded.events} events`);
    if (values["no-train"]) return 0;
    const report = await trainModel(app, { force: true, print: console.log });
    return report.promoted ? 0 : 1;
  });
