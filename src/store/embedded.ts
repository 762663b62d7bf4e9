import fs from "node:fs";
import type { AddressInfo } from "node:net";

export interface EmbeddedDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * dynalite: DynamoDB implemented in Node on LevelDB. On disk when a folder is given, in memory otherwise.
 * Loaded lazily so the Lambda bundle never pulls it in.
 */
export async function startEmbeddedDynamo(
  options: { dataDir?: string; port?: number } = {},
): Promise<EmbeddedDynamo> {
  if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const dynalite = require("dynalite") as (opts: object) => import("node:http").Server;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: options.dataDir });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
