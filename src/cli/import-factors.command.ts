import { modelFromFactorFiles } from "../jobs/import-factors";
import { trainModel } from "../jobs/train";
import { UsageError, type Run } from "./args";
import { withApp } from "./common";

export const run: Run = (values) => {
  const users = values.users as string | undefined;
  const items = values.items as string | undefined;
  if (!users || !items) throw new UsageError("give --users FILE and --items FILE");
  return withApp(async (app) => {
    const imported = await modelFromFactorFiles(app, users, items);
    console.log(
      `read ${imported.manifest.userIds.length} users and ${imported.manifest.itemIds.length} items with ${imported.components} factors`,
    );
    const report = await trainModel(app, { force: Boolean(values.force), imported, print: console.log });
    return report.promoted ? 0 : 1;
  });
};
