import type { App } from "../app";
import type { Config } from "../config";
import { startEmbeddedDynamo } from "../store/embedded";
import { ensureTables } from "../store/tables";

export interface LocalStore {
  /** The config with the embedded endpoint filled in. */
  config: Config;
  description: string;
  /** Creates missing tables on a local endpoint; deployed stacks own their tables in CloudFormation. */
  ensureTables(app: App): Promise<void>;
  close(): Promise<void>;
}

/**
 * Shared by `npm start` and the `recs` CLI: starts dynalite on DATA_DIR when no DYNAMODB_ENDPOINT
 * is set (LevelDB allows one process per folder: stop the server before running jobs on ./data).
 */
export async function prepareLocalStore(config: Config): Promise<LocalStore> {
  const embedded = config.dynamo.embedded
    ? await startEmbeddedDynamo({ dataDir: config.dynamo.dataDir })
    : undefined;
  const resolved: Config = embedded
    ? { ...config, dynamo: { ...config.dynamo, endpoint: embedded.endpoint } }
    : config;
  return {
    config: resolved,
    description: embedded
      ? `embedded dynalite in ${config.dynamo.dataDir}`
      : (resolved.dynamo.endpoint ?? "DynamoDB"),
    async ensureTables(app) {
      if (resolved.dynamo.endpoint) await ensureTables(app.db, resolved.dynamo.tables);
    },
    close: async () => embedded?.close(),
  };
}
