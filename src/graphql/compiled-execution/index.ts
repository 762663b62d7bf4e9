import type { ApolloServerOptionsWithGateway, BaseContext } from "@apollo/server";
import {
  BREAK,
  execute,
  visit,
  type DocumentNode,
  GraphQLError,
  printSchema,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type Source,
  type SourceLocation,
} from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";
import { LRUCache } from "lru-cache";

type Gateway = ApolloServerOptionsWithGateway<BaseContext>["gateway"];
type Executor = NonNullable<Awaited<ReturnType<Gateway["load"]>>["executor"]>;

export interface CompiledExecutionOptions {
  schema: GraphQLSchema;
  /**
   * An operation is compiled on this run of it (compiling a frontend's query takes about half a
   * millisecond): a document a client sends once is not worth it, the frontends' few documents are.
   * Default 2.
   */
  compileOnRun?: number;
  /** Operations kept (compiled or counted), the least recently run out first. Default 1,000. */
  maxOperations?: number;
}

/**
 * Runs repeated operations as JavaScript compiled once per operation by graphql-jit, instead of
 * graphql-js walking the document on every request: about 70 µs of a `recommendations` request's CPU
 * for a list of ten items with their fields, against about 8. Apollo Server's one hook for its executor
 * is the gateway interface; this is that interface with a fixed schema and no federation. Parsing, validation, plugins and error
 * formatting stay Apollo's. The compiled code is kept per operation node of Apollo's document cache (a
 * request whose document is not cached is never compiled), for a bounded number of operations: clients
 * sending ever new documents cannot fill the memory with code.
 */
export function compiledExecution({
  schema,
  compileOnRun = 2,
  maxOperations = 1_000,
}: CompiledExecutionOptions): Gateway {
  const runs = new LRUCache<OperationDefinitionNode, number | CompiledQuery>({ max: maxOperations });

  const interpreted: Executor = async ({ document, request, context }) =>
    (await execute({
      schema,
      document,
      operationName: request.operationName,
      variableValues: request.variables,
      contextValue: context,
    })) as ExecutionResult;

  function compiledFor({ operation, document, request }: Parameters<Executor>[0]): CompiledQuery | undefined {
    const seen = runs.get(operation) ?? 0;
    if (typeof seen !== "number") return seen;
    if (seen + 1 < compileOnRun) {
      runs.set(operation, seen + 1);
      return undefined;
    }
    const made = hasJitMarker(document) ? undefined : compileQuery(schema, document, request.operationName);
    const compiled = made && isCompiledQuery(made) ? made : undefined;
    // What graphql-jit cannot (or must not) compile stays with graphql-js for good.
    runs.set(operation, compiled ?? Number.NEGATIVE_INFINITY);
    return compiled;
  }

  const executor: Executor = async (requestContext) => {
    const compiled = compiledFor(requestContext);
    if (!compiled) return interpreted(requestContext);
    const { context, request } = requestContext;
    const result = await compiled.query(undefined, context, request.variables ?? {});
    // No data: the variables did not coerce, before any resolver ran. graphql-js words those errors the
    // way Apollo recognises as BAD_USER_INPUT (HTTP 400), so it answers them.
    if (!("data" in result)) return interpreted(requestContext);
    if (!result.errors) return result as ExecutionResult;
    const source = requestContext.document.loc?.source;
    return { errors: result.errors.map((error) => asGraphQLError(error, source)), data: result.data };
  };

  return {
    // The schema never changes: Apollo gets it once, when it subscribes. Only Apollo's schema reporting
    // reads the SDL, so it is printed only if read (2 ms of a cold start otherwise).
    onSchemaLoadOrUpdate(callback) {
      callback({
        apiSchema: schema,
        get coreSupergraphSdl() {
          return printSchema(schema);
        },
      });
      return () => undefined;
    },
    async load() {
      return { executor };
    },
    async stop() {},
  };
}

/**
 * graphql-jit's errors are its own objects, with a read-only message (graphql-armor rewrites messages)
 * and locations without the source they point into (Apollo rebuilds each error from its source and
 * positions): rebuilt here as graphql-js's, with the same locations, path, cause and extensions.
 */
function asGraphQLError(error: GraphQLError, source: Source | undefined): GraphQLError {
  return new GraphQLError(error.message, {
    source,
    positions: source && error.locations?.map((location) => offsetOf(source.body, location)),
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}

/** The character offset of a 1-based line and column, as graphql-js's getLocation counts lines. */
function offsetOf(body: string, { line, column }: SourceLocation): number {
  const lineStarts = /\r\n|[\n\r]/g;
  let start = 0;
  for (let at = 1; at < line && lineStarts.exec(body); at++) start = lineStarts.lastIndex;
  return start + column - 1;
}

/**
 * graphql-jit (0.8.9) writes a document's literal arguments into the code it generates as JSON, then
 * turns the placeholders it uses for NaN, ±Infinity and dates (strings starting "__MAGIC_") back into code
 * by text replacement, also inside a client's own strings, which can thus become code run on the server
 * (SECURITY.md). A document with such a string is left to graphql-js (no real client sends one). The
 * decoded values are checked, so escapes do not hide it.
 */
function hasJitMarker(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes("__MAGIC_")) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}
