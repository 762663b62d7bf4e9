import { HeaderMap } from "@apollo/server";
import { describe, expect, it } from "vitest";
import { createContext } from "../../../src/graphql/context";
import { createApolloServer } from "../../../src/server";
import { createTestApp } from "../../support/local-dynamo";

/** A real App and Apollo Server configured by `env`; the documents here fail before any resolver runs. */
async function withServer<T>(
  env: Record<string, string>,
  use: (
    server: ReturnType<typeof createApolloServer>,
    context: () => Promise<ReturnType<typeof createContext>>,
  ) => Promise<T>,
): Promise<T> {
  const test = await createTestApp(env);
  const server = createApolloServer(test.config);
  await server.start();
  try {
    return await use(server, async () => createContext(test.app, "req-test"));
  } finally {
    await server.stop();
    await test.close();
  }
}

function run(env: Record<string, string>, query: string) {
  return withServer(env, async (server, context) => {
    const response = await server.executeOperation({ query }, { contextValue: await context() });
    return response.body.kind === "single" ? response.body.singleResult : undefined;
  });
}

function landingPage(env: Record<string, string>): Promise<string> {
  return withServer(env, async (server, context) => {
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: "GET",
        headers: new HeaderMap([["accept", "text/html"]]),
        search: "",
        body: undefined,
      },
      context,
    });
    return response.body.kind === "complete" ? response.body.string : "";
  });
}

const INTROSPECTION = "{ __schema { queryType { name } } }";

describe("Apollo options by stage", () => {
  it("sends stack traces in development and never in production", async () => {
    const dev = await run({ STAGE: "local" }, "{ nope }");
    expect(dev?.errors?.[0]?.extensions?.stacktrace).toBeDefined();
    const prod = await run({ STAGE: "prod" }, "{ nope }");
    expect(prod?.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(prod?.errors?.[0]?.extensions?.stacktrace).toBeUndefined();
  });

  it("hides field suggestions", async () => {
    const result = await run({ STAGE: "prod" }, "{ helth { status } }");
    expect(result?.errors?.[0]?.message).not.toMatch(/Did you mean/);
    expect(result?.errors?.[0]?.message).toMatch(/Suggestion hidden/);
  });

  it("answers introspection in development, refuses it in production unless switched on", async () => {
    expect((await run({ STAGE: "local" }, INTROSPECTION))?.data).toEqual({
      __schema: { queryType: { name: "Query" } },
    });
    const refused = await run({ STAGE: "prod" }, INTROSPECTION);
    expect(refused?.data).toBeUndefined();
    expect(refused?.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect((await run({ STAGE: "prod", INTROSPECTION: "true" }, INTROSPECTION))?.data).toBeDefined();
  });

  it("serves the Sandbox landing page only when LANDING_PAGE=sandbox (GraphiQL is served before Apollo)", async () => {
    const sandbox = await landingPage({ STAGE: "local", LANDING_PAGE: "sandbox" });
    expect(sandbox).toMatch(/<html/i);
    expect(sandbox).toMatch(/sandbox/i);
    expect(await landingPage({ STAGE: "local" })).not.toMatch(/sandbox/i);
    expect(await landingPage({ STAGE: "prod" })).not.toMatch(/sandbox/i);
    expect(await landingPage({ STAGE: "prod", LANDING_PAGE: "sandbox" })).toMatch(/sandbox/i);
  });

  it("reports every query limit with the code QUERY_LIMIT_EXCEEDED", async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: health { status }`).join(" ");
    const tokens = `{ ${"__typename ".repeat(2_100)}}`;
    const directives = `{ ${"__typename @skip(if: false) ".repeat(21)}}`;
    const deep = `{ item(id: "1") { ${"... on Item { ".repeat(8)}id${" }".repeat(8)} } }`;
    for (const query of [`{ ${aliases} }`, tokens, directives, deep]) {
      const result = await run({ STAGE: "prod" }, query);
      expect(result?.errors?.[0]?.extensions?.code, query.slice(0, 40)).toBe("QUERY_LIMIT_EXCEEDED");
    }
  });
});
