import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { ParseOptions, ValidationRule } from "graphql";

/**
 * Document limits (graphql-armor 3.2.0; max-depth 2.4.2 carries the fixes for the fragment-cache and
 * "__schema"-named-fragment depth bypasses, see SECURITY.md). The deepest legitimate operation,
 * recommendations { items { item { ... } } }, has depth 4; Sandbox's introspection query stays
 * under the token cap and is exempt from depth and cost (only the real __schema field is exempt).
 */
export const QUERY_LIMITS = {
  maxDepth: 8,
  maxAliases: 15,
  maxTokens: 2_000,
  maxDirectives: 20,
  // A frontend recommendations query (k=10, item fields) costs about 26: ten such lists per request.
  maxCost: 250,
} as const;

export interface QueryLimitProtection {
  plugins: ApolloServerPlugin[];
  validationRules: ValidationRule[];
  parseOptions: ParseOptions;
}

export function queryLimitProtection(): QueryLimitProtection {
  const { plugins, validationRules } = new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true },
    maxAliases: { n: QUERY_LIMITS.maxAliases },
    // armor's Apollo token plugin throws from parsingDidStart, which Apollo answers with a 500;
    // graphql-js's own parser limit gives the same protection as a clean 400 parse error.
    maxTokens: { enabled: false },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, ignoreIntrospection: true },
    blockFieldSuggestion: { enabled: true },
  }).protect();
  return { plugins, validationRules, parseOptions: { maxTokens: QUERY_LIMITS.maxTokens } };
}

// graphql-armor reports its limits as "Syntax Error: <what> limit of N exceeded", graphql-js its token
// limit as "Syntax Error: Document contains more that N tokens" (sic, graphql 16): one code for all of them.
const LIMIT_MESSAGE =
  /^Syntax Error: ((Query depth|Aliases|Query Cost|Directives) limit of \d+ exceeded|Document contains more tha[nt] \d+ tokens)/;

export function isQueryLimitError(message: string): boolean {
  return LIMIT_MESSAGE.test(message);
}
