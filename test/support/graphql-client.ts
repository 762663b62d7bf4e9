import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { print } from "graphql";

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string; field?: string; stacktrace?: unknown } }>;
}

/** POSTs a generated typed document to a running gateway, as a frontend would. */
export async function execute<TData, TVariables>(
  url: string,
  document: TypedDocumentNode<TData, TVariables>,
  variables?: TVariables,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  return postGraphQL<TData>(url, { query: print(document), variables }, headers);
}

export async function postGraphQL<TData = Record<string, unknown>>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: Omit<GraphQLResponse<TData>, "status">;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`not JSON (HTTP ${response.status}): ${text.slice(0, 200)}`);
  }
  return { status: response.status, ...json };
}
