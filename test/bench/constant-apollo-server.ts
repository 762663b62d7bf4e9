/**
 * The benchmark's ceiling for Apollo: the same Apollo Server 5, behind the same kind of plain Node http
 * front as the gateway (executeHTTPGraphQLRequest), answering `recommendations` with a constant list of
 * ten items with their fields: no store, no strategy, no DataLoader, no plugin. The gateway's figure
 * against this one is what its own work costs on top of Apollo.
 */
import http from "node:http";
import { ApolloServer, HeaderMap } from "@apollo/server";

const typeDefs = `#graphql
  type Item { id: ID! title: String category: String }
  type ScoredItem { itemId: ID! score: Float! rank: Int! item: Item }
  type RecommendationList { recommendationId: ID! strategy: String! items: [ScoredItem!]! }
  type Query { recommendations(userId: ID!, k: Int): RecommendationList! }
`;

const LIST = {
  recommendationId: "NMF~default~00000000-0000-0000-0000-000000000000",
  strategy: "NMF",
  items: Array.from({ length: 10 }, (_, i) => ({
    itemId: `item-${i + 1}`,
    score: 1 - i / 10,
    rank: i + 1,
    item: { id: `item-${i + 1}`, title: `Item ${i + 1}`, category: "toys" },
  })),
};

async function main(): Promise<void> {
  const apollo = new ApolloServer({ typeDefs, resolvers: { Query: { recommendations: () => LIST } } });
  await apollo.start();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers))
        if (typeof value === "string") headers.set(key, value);
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: {
          method: req.method ?? "POST",
          headers,
          search: "",
          body: JSON.parse(Buffer.concat(chunks).toString("utf8")),
        },
        context: async () => ({}),
      });
      res.writeHead(response.status ?? 200, Object.fromEntries(response.headers));
      res.end(response.body.kind === "complete" ? response.body.string : "");
    });
  });
  server.listen(Number(process.env.PORT), "127.0.0.1", () =>
    process.stdout.write("constant apollo server ready\n"),
  );
}

void main();
