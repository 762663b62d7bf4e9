import { getIntrospectionQuery, GraphQLError, parse, specifiedRules, validate } from "graphql";
import { describe, expect, it } from "vitest";
import { buildGatewaySchema } from "../../../src/graphql/schema";
import { isQueryLimitError, QUERY_LIMITS, queryLimitProtection } from "../../../src/security/query-limits";

const schema = buildGatewaySchema();
const { validationRules } = queryLimitProtection();

function limitErrors(query: string): GraphQLError[] {
  return [...validate(schema, parse(query), [...specifiedRules, ...validationRules])];
}

/** The schema has no recursive type: depth is built with nested inline fragments on Item. */
const deepItem = (levels: number) =>
  `{ recommendations(userId: "u") { items { item { ${"... on Item { ".repeat(levels)}id${" }".repeat(levels)} } } } }`;

const tooDeep = (query: string) =>
  limitErrors(query).some((e) => e.message.startsWith("Syntax Error: Query depth limit"));

describe("query limits (graphql-armor)", () => {
  it("accepts the operations frontends use and Sandbox's introspection query", () => {
    expect(
      limitErrors(
        `{ recommendations(userId: "u", k: 10) { strategy items { itemId score item { id title category } } } }`,
      ),
    ).toEqual([]);
    expect(limitErrors(getIntrospectionQuery())).toEqual([]);
  });

  it("rejects too many aliases", () => {
    const aliases = Array.from(
      { length: QUERY_LIMITS.maxAliases + 1 },
      (_, i) => `h${i}: health { status }`,
    ).join(" ");
    const errors = limitErrors(`{ ${aliases} }`);
    expect(errors.some(isQueryLimitError)).toBe(true);
  });

  it("rejects too many directives", () => {
    const fields = Array.from(
      { length: QUERY_LIMITS.maxDirectives + 1 },
      () => `__typename @include(if: true)`,
    ).join(" ");
    expect(limitErrors(`{ ${fields} }`).some(isQueryLimitError)).toBe(true);
  });

  it("rejects too deep documents, also when the depth hides in fragments (GHSA-224p-v68g-5g8f)", () => {
    expect(tooDeep(deepItem(QUERY_LIMITS.maxDepth - 4))).toBe(false);
    expect(tooDeep(deepItem(QUERY_LIMITS.maxDepth))).toBe(true);
    // The advisory's shape: a fragment used first shallow, then deep, must count at its deepest use.
    const fragments = `
      query { a: item(id: "1") { ...I } b: recommendations(userId: "u") { items { item { ... on Item { ... on Item { ... on Item { ... on Item { ...I } } } } } } } }
      fragment I on Item { ... on Item { ... on Item { id } } }`;
    expect(tooDeep(fragments)).toBe(true);
    // A fragment named __schema is not introspection and gets no exemption.
    const named = `query { recommendations(userId: "u") { items { item { ...__schema } } } }
      fragment __schema on Item { ${"... on Item { ".repeat(QUERY_LIMITS.maxDepth)}id${" }".repeat(QUERY_LIMITS.maxDepth)} }`;
    expect(tooDeep(named)).toBe(true);
  });

  it("rejects over-expensive documents (more lists with items than a page needs)", () => {
    const fields = Array.from(
      { length: 14 },
      (_, i) => `r${i}: recommendations(userId: "u") { items { item { id title category } } }`,
    );
    expect(
      limitErrors(`{ ${fields.join(" ")} }`).some(
        (e) => /Cost limit/.test(e.message) && isQueryLimitError(e),
      ),
    ).toBe(true);
  });

  it("knows armor's rejections by who raised them, not by their text; graphql-js's token limit by its text", () => {
    expect(
      isQueryLimitError(new GraphQLError("Syntax Error: Query depth limit of 8 exceeded, found 9.")),
    ).toBe(false);
    expect(
      isQueryLimitError(new GraphQLError("Syntax Error: Document contains more that 2000 tokens.")),
    ).toBe(true);
  });
});
