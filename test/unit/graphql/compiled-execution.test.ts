import { ApolloServer, type GraphQLRequest } from "@apollo/server";
import { getIntrospectionQuery, GraphQLInt, GraphQLObjectType, GraphQLSchema } from "graphql";
import { compileQuery } from "graphql-jit";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { compiledExecution } from "../../../src/graphql/compiled-execution";
import { createContext, type GraphQLContext } from "../../../src/graphql/context";
import { createApolloServer } from "../../../src/server";
import { ItemStore } from "../../../src/store/items.store";
import { countEvents } from "../../support/gateway-on-dynalite";
import { createTestApp, type TestApp } from "../../support/local-dynamo";

// The real compiler, counted: the tests see when an operation is compiled.
vi.mock("graphql-jit", async (importOriginal) => {
  const jit = await importOriginal<typeof import("graphql-jit")>();
  return { ...jit, compileQuery: vi.fn(jit.compileQuery) };
});

let test: TestApp;
let compiled: ApolloServer<GraphQLContext>;
let interpreted: ApolloServer<GraphQLContext>;

beforeAll(async () => {
  test = await createTestApp();
  await new ItemStore(test.app.db, test.config.dynamo.tables.items).putMany([
    { itemId: "i1", title: "One", category: "books", price: 5 },
    { itemId: "i2", title: "Two", category: "toys" },
    { itemId: "i3", title: "Three", category: "books" },
  ]);
  for (const [userId, itemId] of [
    ["u1", "i1"],
    ["u2", "i1"],
    ["u2", "i2"],
    ["u3", "i3"],
  ])
    await test.app.events.record({ userId, itemId, type: "PURCHASE" });
  compiled = createApolloServer(test.config);
  interpreted = createApolloServer({ ...test.config, graphql: { ...test.config.graphql, compile: false } });
  await Promise.all([compiled.start(), interpreted.start()]);
});
afterAll(async () => {
  await Promise.all([compiled?.stop(), interpreted?.stop()]);
  await test?.close();
});

/**
 * What a client receives: status and body; stack traces (they differ by executor) left out, and the
 * random part of recommendation ids masked.
 */
async function answer(server: ApolloServer<GraphQLContext>, request: GraphQLRequest) {
  const response = await server.executeOperation(request, {
    contextValue: createContext(test.app, "req-compiled"),
  });
  if (response.body.kind !== "single") throw new Error("expected a single result");
  const { errors, data } = response.body.singleResult;
  return {
    status: response.http.status ?? 200,
    data: data && JSON.parse(JSON.stringify(data).replace(/~[0-9a-f-]{36}"/g, '~<uuid>"')),
    errors: errors?.map(({ extensions, ...error }) => {
      const { stacktrace: _stacktrace, ...kept } = extensions ?? {};
      return { ...error, extensions: kept };
    }),
  };
}

const LIST =
  "{ recommendationId strategy fallbackFrom variant items { itemId score rank item { id title category price } } }";
const cases: Array<[string, GraphQLRequest]> = [
  [
    "recommendations with variables",
    {
      query: `query R($u: ID!, $k: Int) { recommendations(userId: $u, k: $k) ${LIST} }`,
      variables: { u: "u1", k: 2 },
    },
  ],
  [
    "aliases, fragments, directives and __typename",
    {
      query: `query P($with: Boolean!, $f: ItemFilter) {
        a: popularItems(k: 3, filter: $f) { ...list }
        b: popularItems(k: 1) @include(if: $with) { __typename items { ... on ScoredItem { itemId } } }
        c: popularItems(k: 1) @skip(if: $with) { strategy }
      }
      fragment list on RecommendationList { __typename strategy items { rank item { __typename id category } } }`,
      variables: { with: true, f: { category: "books", excludeItemIds: ["i3"] } },
    },
  ],
  [
    "a missing item and an enum argument",
    { query: `{ item(id: "nope") { id } modelVersions(family: ALS) { version } }` },
  ],
  ["introspection", { query: getIntrospectionQuery() }],
  [
    "a resolver's input error, with its location on the third line",
    {
      query: `query Bad {\n  ok: item(id: "i1") { id }\n  recommendations(userId: "u1", k: 1000) { strategy }\n}`,
    },
  ],
  [
    "a missing variable",
    { query: "query R($u: ID!) { recommendations(userId: $u) { strategy } }", variables: {} },
  ],
  [
    "a variable of the wrong type",
    {
      query: "query R($u: ID!, $k: Int) { recommendations(userId: $u, k: $k) { strategy } }",
      variables: { u: "u1", k: "ten" },
    },
  ],
  [
    "a bad event in a batch",
    {
      query: "mutation B($e: [EventInput!]!) { recordEvents(inputs: $e) { eventId } }",
      variables: {
        e: [
          { userId: "u9", itemId: "i1", type: "VIEW" },
          { userId: "", itemId: "i1", type: "VIEW" },
        ],
      },
    },
  ],
];

describe("compiled execution", () => {
  it.each(cases)("%s: the same answer as graphql-js, compiled on the second run", async (_name, request) => {
    const reference = await answer(interpreted, request);
    const compilations = vi.mocked(compileQuery).mock.calls.length;
    expect(await answer(compiled, request)).toEqual(reference);
    expect(vi.mocked(compileQuery).mock.calls.length).toBe(compilations);
    expect(await answer(compiled, request)).toEqual(reference);
    expect(await answer(compiled, request)).toEqual(reference);
    expect(vi.mocked(compileQuery).mock.calls.length).toBe(compilations + 1);
  });

  it("never compiles a string that graphql-jit would turn into code", async () => {
    // graphql-jit's placeholder for dates, as it is in its source; escaped in the second document.
    const marker = "__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d";
    const payload = "0)&&(globalThis.injected=1)&&(0";
    const documents = [
      `{ item(id: "${marker}${payload}") { id } }`,
      `{ popularItems(filter: { category: "\\u005F${marker.slice(1)}${payload}" }) { strategy } }`,
    ];
    const compilations = vi.mocked(compileQuery).mock.calls.length;
    for (const query of documents) {
      const reference = await answer(interpreted, { query });
      for (let run = 0; run < 3; run++) expect(await answer(compiled, { query })).toEqual(reference);
    }
    expect((globalThis as { injected?: number }).injected).toBeUndefined();
    expect(vi.mocked(compileQuery).mock.calls.length).toBe(compilations);
  });

  it("runs a mutation compiled, once per request", async () => {
    const request = {
      query: "mutation E($input: EventInput!) { recordEvent(input: $input) { eventId duplicate } }",
      variables: { input: { userId: "u5", itemId: "i2", type: "ADD_TO_CART", idempotencyKey: "compiled-1" } },
    };
    const stored = await answer(compiled, request);
    expect(stored.data).toMatchObject({ recordEvent: { duplicate: false } });
    const again = await answer(compiled, request); // compiled: the same key, the same event
    const { eventId } = (stored.data as { recordEvent: { eventId: string } }).recordEvent;
    expect(again).toEqual({ ...stored, data: { recordEvent: { eventId, duplicate: true } } });
    expect(await answer(interpreted, request)).toEqual(again);
    const other = {
      ...request,
      variables: { input: { ...request.variables.input, idempotencyKey: "compiled-2" } },
    };
    expect((await answer(compiled, other)).data).toMatchObject({ recordEvent: { duplicate: false } });
    expect(await countEvents(test.app.db, "u5", test.config.dynamo.tables.events)).toBe(2);
  });

  it("keeps a bounded number of operations, the least recently run out first", async () => {
    const query = new GraphQLObjectType({
      name: "Query",
      fields: { a: { type: GraphQLInt, resolve: () => 1 }, b: { type: GraphQLInt, resolve: () => 2 } },
    });
    const server = new ApolloServer({
      gateway: compiledExecution({ schema: new GraphQLSchema({ query }), maxOperations: 1 }),
    });
    await server.start();
    const compilations = vi.mocked(compileQuery).mock.calls.length;
    const run = async (query: string) => {
      const response = await server.executeOperation({ query });
      return response.body.kind === "single" ? response.body.singleResult.data : undefined;
    };
    for (const query of ["{ a }", "{ a }", "{ b }", "{ b }", "{ a }"]) await run(query);
    // b pushed a out: a's next run counts as its first again, and it is compiled on the one after.
    expect(vi.mocked(compileQuery).mock.calls.length).toBe(compilations + 2);
    expect(await run("{ a }")).toEqual({ a: 1 });
    expect(vi.mocked(compileQuery).mock.calls.length).toBe(compilations + 3);
    await server.stop();
  });

  it("never compiles with GRAPHQL_COMPILE off", async () => {
    const compilations = vi.mocked(compileQuery).mock.calls.length;
    const request = { query: "{ popularItems(k: 1) { strategy } }" };
    for (let run = 0; run < 3; run++) await answer(interpreted, request);
    expect(vi.mocked(compileQuery).mock.calls.length).toBe(compilations);
  });
});
