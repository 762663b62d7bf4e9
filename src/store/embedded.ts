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
  if (options.dataDir) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    await assertNotInUse(options.dataDir);
  }
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

export class StoreInUseError extends Error {
  constructor(dataDir: string) {
    super(
      `${dataDir} is in use by another process (the server?). The embedded store belongs to one process: ` +
        `stop it, or point DYNAMODB_ENDPOINT at a shared DynamoDB endpoint.`,
    );
    this.name = "StoreInUseError";
  }
}

/**
 * LevelDB locks its folder to one process. dynalite opens it lazily and would fail later, inside a
 * request, with "Database is closed": open it once here to fail early with a clear message.
 */
async function assertNotInUse(dataDir: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Level } = require("level") as typeof import("level");
  const db = new Level(dataDir);
  try {
    await db.open();
  } catch (error) {
    const code = (error as { code?: string; cause?: { code?: string } }).cause?.code;
    if (code === "LEVEL_LOCKED") throw new StoreInUseError(dataDir);
    throw error;
  } finally {
    await db.close();
  }
}
