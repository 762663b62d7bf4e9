/**
 * npm run bench:sagemaker — the whole `recommendations` GraphQL call over HTTP with
 * RECS_STRATEGY=SAGEMAKER_XGBOOST through the local endpoint (features from dynalite, NMF candidates,
 * CSV -> SDK -> HTTP -> parse), on a small seeded demo set in memory. Prints median and p99.
 * The model is random but full-size (100 trees, depth 6): the figure is the path, not the ranking.
 */
import "reflect-metadata";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { seededRandom } from "../../src/factors/random";
import { FeatureStore } from "../../src/ranker/features/feature.store";
import { runFeatureJob } from "../../src/ranker/features/job";
import { buildFeatureSpec } from "../../src/ranker/features/spec";
import { createNodeHandler, GRAPHQL_PATH } from "../../src/http/node-handler";
import { seedDemoData } from "../../src/jobs/seed";
import { trainModel } from "../../src/jobs/train";
import { startLocalEndpoint } from "../../tools/local-sagemaker-endpoint";
import { createApolloServer } from "../../src/server";
import { startEmbeddedDynamo } from "../../src/store/embedded";
import { ensureTables } from "../../src/store/tables";
import { randomXgbModelJson } from "../support/random-xgb-model";

const USERS = 300;
const ITEMS = 1_000;
const CALLS = 300;
const QUERY =
  "query($u: ID!) { recommendations(userId: $u, k: 10) { strategy fallbackFrom items { itemId score item { title } } } }";

process.env.AWS_ACCESS_KEY_ID ??= "bench";
process.env.AWS_SECRET_ACCESS_KEY ??= "bench";

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "bench-sagemaker-"));
  const features = buildFeatureSpec([], undefined, 0).features.length;
  const modelPath = path.join(dir, "model.json");
  writeFileSync(
    modelPath,
    JSON.stringify(randomXgbModelJson({ trees: 100, depth: 6, features, random: seededRandom(42) })),
  );
  const dynamo = await startEmbeddedDynamo();
  const endpoint = await startLocalEndpoint({ modelPath, endpointName: "recs" });
  const config = loadConfig({
    STAGE: "local",
    LOG_LEVEL: "warn",
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    MODEL_URI: path.join(dir, "models"),
    RECS_STRATEGY: "SAGEMAKER_XGBOOST",
    SAGEMAKER_ENDPOINT_NAME: "recs",
    SAGEMAKER_ENDPOINT_URL: endpoint.url,
    SAGEMAKER_TIMEOUT_MS: "2000",
    STRATEGY_TIMEOUT_MS: "5000",
    NMF_COMPONENTS: "16",
  });
  const app = createApp(config);
  const apollo = createApolloServer(app.config);
  const server = http.createServer(createNodeHandler(app, apollo));
  try {
    await ensureTables(app.db, config.dynamo.tables);
    await seedDemoData(app, { users: USERS, items: ITEMS, seed: 42 });
    await trainModel(app, { force: true, print: () => undefined });
    await runFeatureJob({
      events: app.stores.events,
      items: app.stores.items,
      features: new FeatureStore(app.db, config.dynamo.tables.stats),
    });
    await app.loadModels();
    await apollo.start();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${GRAPHQL_PATH}`;

    const call = async (i: number): Promise<number> => {
      const userId = `user-${String((i % USERS) + 1).padStart(4, "0")}`;
      const start = process.hrtime.bigint();
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: QUERY, variables: { u: userId } }),
      });
      const body = (await response.json()) as { data?: { recommendations: { strategy: string } } };
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (body.data?.recommendations.strategy !== "SAGEMAKER_XGBOOST")
        throw new Error(`not served by the ranker: ${JSON.stringify(body)}`);
      return ms;
    };
    for (let i = 0; i < 30; i++) await call(i); // warm up JIT, connections, caches
    const times: number[] = [];
    for (let i = 0; i < CALLS; i++) times.push(await call(i));
    times.sort((a, b) => a - b);
    const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
    console.log(
      `recommendations via GraphQL, SAGEMAKER_XGBOOST on the local endpoint (${config.sagemaker.candidates} candidates, ` +
        `100 trees depth 6, ${features} features; ${USERS} users, ${ITEMS} items):`,
    );
    console.log(
      `  median ${at(0.5).toFixed(2)} ms   p99 ${at(0.99).toFixed(2)} ms   (${CALLS} sequential calls; target median < 50 ms)`,
    );
  } finally {
    server.close();
    await apollo.stop();
    await app.close();
    await endpoint.close();
    await dynamo.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
