import fs from "node:fs";
import { once } from "node:events";
import { Worker } from "node:worker_threads";

export interface EmbeddedDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * dynalite (DynamoDB implemented in Node on LevelDB) in a worker thread: on disk when a folder is
 * given, in memory otherwise. Its own thread, so that the store and the process using it (an import
 * parsing a CSV, the server answering queries) run on two cores instead of taking turns on one.
 * Loaded lazily so the Lambda bundle never pulls it in.
 */
export async function startEmbeddedDynamo(
  options: { dataDir?: string; port?: number } = {},
): Promise<EmbeddedDynamo> {
  if (options.dataDir) {
    fs.mkdirSync(options.dataDir, { recursive: true });
    await assertNotInUse(options.dataDir);
  }
  const worker = new Worker(DYNALITE_THREAD, {
    eval: true,
    resourceLimits: { maxOldGenerationSizeMb: 64 },
    workerData: { dynalite: require.resolve("dynalite"), path: options.dataDir, port: options.port ?? 0 },
  });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      worker.postMessage("close");
      await once(worker, "exit");
    },
  };
}

const DYNALITE_THREAD = `
const { parentPort, workerData } = require("node:worker_threads");
const server = require(workerData.dynalite)({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0, path: workerData.path });
server.listen(workerData.port, "127.0.0.1", () => parentPort.postMessage(server.address().port));
parentPort.on("message", () => server.close(() => process.exit(0)));
`;

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
