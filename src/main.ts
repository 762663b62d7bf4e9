import "reflect-metadata";
import http from "node:http";
import { createApp, type App } from "./app";
import { ConfigError, loadConfig, type Config } from "./config";
import { GRAPHQL_PATH, createNodeHandler } from "./http/node-handler";
import { prepareLocalStore } from "./jobs/local-setup";
import { seedIfEmpty } from "./jobs/seed";
import { createApolloServer } from "./server";

/** The local server: `npm start`. Embedded DynamoDB and demo data unless configured otherwise. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const local = await prepareLocalStore(config);
  const app = createApp(local.config);
  await local.ensureTables(app);
  await seedIfEmpty(app);
  // The first request must not be the one that waits for the model; nor start without the secrets.
  await Promise.all([app.loadModels(), app.secrets.refresh()]);

  const apollo = createApolloServer(app.config);
  await apollo.start();
  const server = http.createServer(createNodeHandler(app, apollo));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(config.http.port, config.http.host, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.http.port;
  app.log.info("gateway ready", {
    url: `http://${config.http.host}:${port}${GRAPHQL_PATH}`,
    strategy: config.router.strategy,
    store: local.description,
  });

  const shutdown = (signal: string) => {
    app.log.info("shutting down", { signal });
    server.close();
    void stop(app, apollo, local.close).then(() => process.exit(0));
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
}

async function stop(
  app: App,
  apollo: { stop(): Promise<void> },
  closeStore: () => Promise<void>,
): Promise<void> {
  await apollo.stop();
  await app.close();
  await closeStore();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
