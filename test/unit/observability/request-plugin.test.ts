import { ApolloServer } from "@apollo/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Logger } from "../../../src/observability/logger";
import { createMetrics } from "../../../src/observability/metrics";
import { requestObservabilityPlugin, type ObservedContext } from "../../../src/observability/request-plugin";
import { Secrets } from "../../../src/security/secrets";
import { userIdPseudonymiser } from "../../../src/security/pseudonymise";

const typeDefs = `#graphql
  type Query {
    recommendations(userId: ID!): [String!]!
    health: String
    boom: String
  }
`;

const resolvers = {
  Query: {
    recommendations: (_: unknown, _args: { userId: string }, ctx: ObservedContext) => {
      ctx.served.push({ strategy: "POPULAR", fallbackFrom: "NMF" });
      return ["i1"];
    },
    health: () => "ok",
    boom: () => {
      throw new Error("kaput");
    },
  },
};

let server: ApolloServer<ObservedContext>;
beforeAll(async () => {
  server = new ApolloServer<ObservedContext>({
    typeDefs,
    resolvers,
    plugins: [requestObservabilityPlugin()],
  });
  await server.start();
});
afterAll(() => server.stop());

const secrets = (userIdHmacKey?: string) =>
  new Secrets(
    { apiKeys: [], userIdHmacKey, parameters: {}, maxAgeSeconds: 300 },
    "us-east-1",
    new Logger("silent"),
  );

async function run(
  query: string,
  variables?: Record<string, unknown>,
  operationName?: string,
  { userIdHmacKey }: { userIdHmacKey?: string } = { userIdHmacKey: "log-key" },
) {
  const logs: Array<Record<string, unknown>> = [];
  const metricLines: Array<Record<string, unknown>> = [];
  const log = new Logger("info", { requestId: "req-1" }, (line) => logs.push(JSON.parse(line)));
  const metrics = createMetrics({ sink: "emf", namespace: "Test", region: "us-east-1" }, log, {
    write: (line) => metricLines.push(JSON.parse(line)),
  });
  const keys = secrets(userIdHmacKey);
  const contextValue: ObservedContext = {
    requestId: "req-1",
    log,
    metrics,
    served: [],
    logName: (userId) => keys.logName(userId),
  };
  await server.executeOperation({ query, variables, operationName }, { contextValue });
  await metrics.flush();
  return { logs, metricLines };
}

describe("request observability plugin", () => {
  it("logs one line with operation, strategy, fallback and latency, and the user only as the keyed pseudonym", async () => {
    const { logs, metricLines } = await run(
      "query Recs($userId: ID!) { recommendations(userId: $userId) }",
      { userId: "alice@example.com" },
      "Recs",
    );
    expect(logs).toHaveLength(1);
    const [line] = logs;
    expect(line).toMatchObject({
      level: "info",
      msg: "graphql request",
      requestId: "req-1",
      operation: "recommendations",
      operationName: "Recs",
      strategy: "POPULAR",
      fallbackFrom: ["NMF"],
      status: 200,
      user: userIdPseudonymiser("log-key")("alice@example.com"),
    });
    expect(line.latencyMs).toEqual(expect.any(Number));
    expect(line.errorCodes).toBeUndefined();
    expect(JSON.stringify(logs)).not.toContain("alice");

    const latency = metricLines.find((l) => l.Operation === "recommendations");
    expect(latency).toMatchObject({ Strategy: "POPULAR", Latency: line.latencyMs });
    expect(metricLines.some((l) => "Error" in l)).toBe(false);
  });

  it("leaves the user out without an HMAC key: an unkeyed hash of a guessable id is no pseudonym", async () => {
    const { logs } = await run(
      "query Recs($userId: ID!) { recommendations(userId: $userId) }",
      { userId: "alice@example.com" },
      "Recs",
      {},
    );
    expect(logs[0]).toMatchObject({ operation: "recommendations" });
    expect(logs[0]).not.toHaveProperty("user");
  });

  it("names the operation by its root fields, not by what the client calls it", async () => {
    const { logs, metricLines } = await run('query AnythingAtAll { health recommendations(userId: "u") }');
    expect(logs[0]).toMatchObject({ operation: "health,recommendations", operationName: "AnythingAtAll" });
    expect(metricLines.find((l) => "Operation" in l)).toMatchObject({ Operation: "health,recommendations" });
    expect(metricLines.some((l) => l.Operation === "AnythingAtAll")).toBe(false);
  });

  it("counts a resolver failure as INTERNAL_SERVER_ERROR and logs it at error level", async () => {
    const { logs, metricLines } = await run("{ boom }");
    expect(logs[0]).toMatchObject({
      level: "error",
      operation: "boom",
      strategy: "NONE",
      errorCodes: ["INTERNAL_SERVER_ERROR"],
    });
    expect(metricLines.find((l) => l.Code === "INTERNAL_SERVER_ERROR")).toMatchObject({ Error: 1 });
    expect(metricLines.find((l) => "Error" in l && !("Code" in l))).toMatchObject({ Error: 1 });
  });

  it("records an invalid document as a client error without an operation", async () => {
    const { logs, metricLines } = await run("{ nope }");
    expect(logs[0]).toMatchObject({
      level: "warn",
      operation: "INVALID",
      errorCodes: ["GRAPHQL_VALIDATION_FAILED"],
      status: 400,
    });
    expect(metricLines.find((l) => l.Code === "GRAPHQL_VALIDATION_FAILED")).toMatchObject({ Error: 1 });
    expect(metricLines.find((l) => l.Operation === "INVALID")).toMatchObject({ Strategy: "NONE" });
  });

  it("follows the log level it is given", async () => {
    const logs: string[] = [];
    const log = new Logger("warn", {}, (line) => logs.push(line));
    const metrics = createMetrics({ sink: "off", namespace: "Test", region: "us-east-1" }, log);
    await server.executeOperation(
      { query: "{ health }" },
      { contextValue: { requestId: "r", log, metrics, served: [], logName: () => undefined } },
    );
    expect(logs).toHaveLength(0);
  });
});
