import { Kind, parse, type DocumentNode } from "graphql";

/** A health probe is tiny; anything longer is not one, and is not worth parsing before the key check. */
const MAX_HEALTH_QUERY_CHARS = 2_000;
const HEALTH_FIELDS = new Set(["health", "__typename"]);

/**
 * True when the request is a single query whose only root fields are `health` (aliases allowed):
 * such a request may pass without an API key. Fragments, several operations, mutations and batches
 * are never "health only", so no other field can be smuggled in beside it.
 */
export function isHealthOnlyRequest(method: string, body: unknown, search: string): boolean {
  const query = method === "GET" ? new URLSearchParams(search).get("query") : queryOfBody(body);
  if (typeof query !== "string" || query.length > MAX_HEALTH_QUERY_CHARS) return false;
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true, maxTokens: 200 });
  } catch {
    return false;
  }
  if (document.definitions.length !== 1) return false;
  const [operation] = document.definitions;
  if (operation?.kind !== Kind.OPERATION_DEFINITION || operation.operation !== "query") return false;
  if (operation.directives?.length) return false;
  return operation.selectionSet.selections.every(
    (selection) =>
      selection.kind === Kind.FIELD &&
      HEALTH_FIELDS.has(selection.name.value) &&
      !selection.directives?.length,
  );
}

function queryOfBody(body: unknown): unknown {
  return body !== null && typeof body === "object" && !Array.isArray(body)
    ? (body as { query?: unknown }).query
    : undefined;
}
