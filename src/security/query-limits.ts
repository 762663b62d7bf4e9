import type { ApolloServerPlugin } from "@apollo/server";
import { ApolloArmor } from "@escape.tech/graphql-armor";
import { GraphQLError, type ParseOptions, type ValidationContext, type ValidationRule } from "graphql";

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

export const QUERY_LIMIT_CODE = "QUERY_LIMIT_EXCEEDED";

/**
 * Armor hands each rejection to onReject; it is reported carrying its code, so the transport knows it
 * by that code rather than by its text (armor's own reporter would mark it BAD_USER_INPUT).
 */
const reportLimit = (context: ValidationContext | null, error: GraphQLError) =>
  context?.reportError(new GraphQLError(error.message, { extensions: { code: QUERY_LIMIT_CODE } }));
const reported = () => ({ onReject: [reportLimit], propagateOnRejection: false });

export function queryLimitProtection(): QueryLimitProtection {
  const { plugins, validationRules } = new ApolloArmor({
    maxDepth: { n: QUERY_LIMITS.maxDepth, ignoreIntrospection: true, ...reported() },
    maxAliases: { n: QUERY_LIMITS.maxAliases, ...reported() },
    // armor's Apollo token plugin throws from parsingDidStart, which Apollo answers with a 500;
    // graphql-js's own parser limit gives the same protection as a clean 400 parse error.
    maxTokens: { enabled: false },
    maxDirectives: { n: QUERY_LIMITS.maxDirectives, ...reported() },
    costLimit: { maxCost: QUERY_LIMITS.maxCost, ignoreIntrospection: true, ...reported() },
    blockFieldSuggestion: { enabled: true },
  }).protect();
  return { plugins, validationRules, parseOptions: { maxTokens: QUERY_LIMITS.maxTokens } };
}

// graphql-js reports its token limit as a parse error whose text alone says so ("Document contains more
// that N tokens", sic, in graphql 16): the one limit matched by message.
const TOKEN_LIMIT = /^Syntax Error: Document contains more tha[nt] \d+ tokens/;

/** A document over a limit: raised by armor (Apollo wraps it as the original error) or graphql-js's parser. */
export function isQueryLimitError(error: GraphQLError): boolean {
  const reportedError = (error.originalError as GraphQLError | undefined) ?? error;
  return reportedError.extensions?.code === QUERY_LIMIT_CODE || TOKEN_LIMIT.test(error.message);
}
