import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface ServerProcess {
  url: string;
  dataDir: string;
  output(): string;
  stop(): Promise<void>;
}

const root = path.join(__dirname, "..", "..");

/**
 * Starts the real local server (src/main.ts, exactly what `npm start` runs) on a free port with its
 * own data and model folders, and resolves once it logs "gateway ready".
 */
export async function startServerProcess(
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<ServerProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "recs-e2e-"));
  const child: ChildProcess = spawn(process.execPath, ["--require", "tsx/cjs", "src/main.ts"], {
    cwd: root,
    env: {
      ...process.env,
      STAGE: "local",
      HOST: "127.0.0.1",
      PORT: "0",
      LOG_LEVEL: "info",
      DATA_DIR: path.join(dataDir, "data"),
      MODEL_URI: path.join(dataDir, "models"),
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = output.split("\n").find((line) => line.includes('"gateway ready"'));
      if (ready) {
        clearTimeout(timer);
        resolve(JSON.parse(ready).url as string);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    dataDir,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
