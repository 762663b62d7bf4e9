import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../src/factors/random";
import { startLocalEndpoint } from "../../tools/local-sagemaker-endpoint";
import { RecommendationsDocument } from "../../src/generated/operations";
import { execute } from "../support/graphql-client";
import { randomXgbModelJson } from "../support/random-xgb-model";
import { startServerProcess } from "../support/server-process";

const root = path.join(__dirname, "..", "..");
let dir: string;
let modelPath: string;
const env = () => ({ DATA_DIR: path.join(dir, "data"), MODEL_URI: path.join(dir, "models") });

function recs(args: string[]): string {
  const out = spawnSync(process.execPath, [path.join(root, "bin", "recs.js"), ...args], {
    cwd: dir,
    env: { ...process.env, ...env(), LOG_LEVEL: "warn", NMF_COMPONENTS: "16" },
    encoding: "utf8",
    timeout: 120_000,
  });
  if (out.status !== 0) throw new Error(`recs ${args.join(" ")} failed:\n${out.stderr}`);
  return out.stdout;
}

/** The top 5 for three users from a freshly started gateway with these settings. */
async function servedBy(settings: Record<string, string>) {
  // Generous timeouts: this test is about equal answers, and a loaded CI machine must not turn it into a fallback.
  const server = await startServerProcess({
    ...env(),
    RECS_STRATEGY: "SAGEMAKER_XGBOOST",
    SAGEMAKER_TIMEOUT_MS: "5000",
    STRATEGY_TIMEOUTS: "SAGEMAKER_XGBOOST:5000",
    ...settings,
  });
  try {
    const lists = [];
    for (const userId of ["user-0001", "user-0002", "user-0003"]) {
      const res = await execute(server.url, RecommendationsDocument, { userId, k: 5 });
      lists.push(res.data!.recommendations);
    }
    return lists;
  } finally {
    await server.stop();
  }
}

beforeAll(() => {
  // The operator's path: seed, compute features, and a model over the spec's features
  // (a random one here: training needs python3-xgboost, which tests do not assume).
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "recs-sm-"));
  recs(["seed", "--users", "150", "--items", "300", "--seed", "9"]);
  const features = Number(/\((\d+) features/.exec(recs(["features"]))![1]);
  modelPath = path.join(dir, "model.json");
  const model = randomXgbModelJson({ trees: 20, depth: 4, features, random: seededRandom(1) });
  fs.writeFileSync(modelPath, JSON.stringify(model));
}, 180_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("SAGEMAKER_XGBOOST through npm start", () => {
  it(
    "serves from the local endpoint and, with XGBOOST_MODEL_URI, in-process: the same lists",
    { timeout: 180_000 },
    async () => {
      const endpoint = await startLocalEndpoint({ modelPath, port: 0 });
      let viaEndpoint;
      try {
        viaEndpoint = await servedBy({
          SAGEMAKER_ENDPOINT_NAME: "recs",
          SAGEMAKER_ENDPOINT_URL: endpoint.url,
        });
      } finally {
        await endpoint.close();
      }
      const inProcess = await servedBy({ XGBOOST_MODEL_URI: modelPath });
      for (const list of [...viaEndpoint, ...inProcess]) {
        expect(list).toMatchObject({ strategy: "SAGEMAKER_XGBOOST", fallbackFrom: null });
        expect(list.items).toHaveLength(5);
      }
      const strip = (lists: typeof inProcess) => lists.map((l) => l.items.map((i) => [i.itemId, i.score]));
      expect(strip(inProcess)).toEqual(strip(viaEndpoint));
      expect(strip(inProcess)[0]).not.toEqual(strip(inProcess)[1]); // personalised, not one list for all
    },
  );

  it("falls back when the endpoint is down", { timeout: 120_000 }, async () => {
    const [list] = await servedBy({
      SAGEMAKER_ENDPOINT_NAME: "recs",
      SAGEMAKER_ENDPOINT_URL: "http://127.0.0.1:9",
    });
    expect(list).toMatchObject({ fallbackFrom: "SAGEMAKER_XGBOOST" });
  });
});
