import { GraphQLError, type GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { InputError } from "../domain/errors";
import { StoreUnavailableError } from "../recommend/errors";
import { isQueryLimitError, QUERY_LIMIT_CODE } from "../security/query-limits";

/** Stable error codes clients can switch on (extensions.code). */
export const ErrorCode = {
  BAD_USER_INPUT: "BAD_USER_INPUT",
  INTERNAL_SERVER_ERROR: "INTERNAL_SERVER_ERROR",
  GRAPHQL_VALIDATION_FAILED: "GRAPHQL_VALIDATION_FAILED",
  SERVICE_UNAVAILABLE: "SERVICE_UNAVAILABLE",
  /** A document over a graphql-armor limit (depth, aliases, tokens, directives, cost). */
  QUERY_LIMIT_EXCEEDED: QUERY_LIMIT_CODE,
} as const;

// Validation errors about a literal argument value are bad input, not a bad document:
// a client gets the same code whether it inlined the value or sent it as a variable. graphql-js 16
// marks them with nothing but their text (ValuesOfCorrectTypeRule), so the text is what is matched.
const BAD_VALUE_MESSAGES =
  /^(Expected value of type|Value ".*" does not exist in|(Int|Float|String|Boolean|ID) cannot represent|Field ".*" of required type|Expected type)/;

/**
 * Apollo's formatError hook: our InputError becomes BAD_USER_INPUT naming the field; in production
 * anything unexpected is masked (the full error goes to the logs through the request plugin).
 */
export function formatError(production: boolean) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof InputError) {
      return {
        message: original.message,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: ErrorCode.BAD_USER_INPUT, field: original.field },
      };
    }
    if (original instanceof StoreUnavailableError) {
      return {
        message: original.message,
        path: formatted.path,
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, retryable: true },
      };
    }
    if (error instanceof GraphQLError && isQueryLimitError(error)) {
      return { message: formatted.message, extensions: { code: ErrorCode.QUERY_LIMIT_EXCEEDED } };
    }
    const code = formatted.extensions?.code;
    if (code === ErrorCode.GRAPHQL_VALIDATION_FAILED && BAD_VALUE_MESSAGES.test(formatted.message)) {
      return { ...formatted, extensions: { ...formatted.extensions, code: ErrorCode.BAD_USER_INPUT } };
    }
    if (production && (code === undefined || code === ErrorCode.INTERNAL_SERVER_ERROR)) {
      return {
        message: "Internal server error",
        path: formatted.path,
        extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
      };
    }
    return formatted;
  };
}
