/**
 * The benchmark's reference: a minimal graphql-js HTTP server (plain node http + graphql's `execute`
 * over a tiny SDL schema) calling the same App services as the gateway, on its own copy of the same
 * seeded demo data. What the gateway adds on top (Apollo, type-graphql, validation, limits, plugins)
 * is the difference between the two figures.
 */
import "reflect-metadata";
import http from "node:http";
import DataLoader from "dataloader";
import { buildSchema, execute, parse, type DocumentNode } from "graphql";
import { createApp } from "../../src/app";
import { loadConfig } from "../../src/config";
import { prepareLocalStore } from "../../src/jobs/local-setup";
import { seedIfEmpty } from "../../src/jobs/seed";
import type { ServedList } from "../../src/strategies/router";
import type { CatalogItem } from "../../src/store/items.store";

const schema = buildSchema(`
  type Item { id: ID! title: String category: String }
  type ScoredItem { itemId: ID! score: Float! rank: Int! item: Item }
  type RecommendationList { recommendationId: ID! strategy: String! items: [ScoredItem!]! }
  type RecordEventResult { eventId: ID! duplicate: Boolean! }
  input EventInput { userId: ID! itemId: ID! type: String! }
  type Query {
    recommendations(userId: ID!, k: Int): RecommendationList!
    relatedItems(itemId: ID!, k: Int): RecommendationList!
  }
  type Mutation { recordEvent(input: EventInput!): RecordEventResult! }
`);

const toItem = (item: CatalogItem | null) =>
  item && { id: item.itemId, title: item.title, category: item.category };

async function main(): Promise<void> {
  const local = await prepareLocalStore(loadConfig());
  const app = createApp(local.config);
  await local.ensureTables(app);
  await seedIfEmpty(app);
  await app.loadModels();

  const toList = (served: ServedList, loader: DataLoader<string, CatalogItem | null>) => ({
    recommendationId: served.recommendationId,
    strategy: served.strategy,
    items: served.items.map((s, i) => ({
      itemId: s.itemId,
      score: s.score,
      rank: i + 1,
      item: async () => toItem(await loader.load(s.itemId)),
    })),
  });
  const documents = new Map<string, DocumentNode>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const { query, variables } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
        query: string;
        variables?: Record<string, unknown>;
      };
      let document = documents.get(query);
      if (!document) documents.set(query, (document = parse(query)));
      const loader = new DataLoader<string, CatalogItem | null>(async (ids) =>
        (await app.stores.items.getMany(ids)).map((item) => item ?? null),
      );
      const rootValue = {
        recommendations: async (args: { userId: string; k?: number }) =>
          toList(await app.recommendations.recommendations(args.userId, { k: args.k }), loader),
        relatedItems: async (args: { itemId: string; k?: number }) =>
          toList(await app.recommendations.relatedItems(args.itemId, { k: args.k }), loader),
        recordEvent: (args: { input: { userId: string; itemId: string; type: "VIEW" } }) =>
          app.events.record(args.input),
      };
      const result = await execute({ schema, document, rootValue, variableValues: variables });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(result));
    });
  });
  server.listen(local.config.http.port, "127.0.0.1", () => process.stdout.write("minimal server ready\n"));
}

void main();
