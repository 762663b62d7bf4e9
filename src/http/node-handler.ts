import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { HeaderMap, type ApolloServer } from "@apollo/server";
import type { App } from "../app";
import { readBody } from "../shared/read-body";
import { createContext, type GraphQLContext } from "../graphql/context";
import { API_KEY_HEADER, checkAccess } from "../security/access";
import { payloadTooLarge, rejection, RejectionCode, type Rejection } from "../security/rejection";
import { createWebPages } from "./web-pages";

export const GRAPHQL_PATH = "/graphql";
const GRAPHQL_URL: Pick<URL, "pathname" | "search"> = { pathname: GRAPHQL_PATH, search: "" };

/**
 * Plain Node http in front of Apollo's executeHTTPGraphQLRequest: no web framework on the hot path,
 * and full control of body limits and CORS.
 */
export function createNodeHandler(app: App, server: ApolloServer<GraphQLContext>) {
  const { maxBodyBytes, corsOrigins } = app.config.http;
  const pages = createWebPages(app.config);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Most requests are POST /graphql exactly: nothing for the URL parser to do.
    const url = req.url === GRAPHQL_PATH ? GRAPHQL_URL : new URL(req.url ?? "/", "http://localhost");
    const requestId = randomUUID();
    res.setHeader("x-request-id", requestId);
    applyCors(req, res, corsOrigins);
    if (req.method === "OPTIONS") return void res.writeHead(204).end();
    const page = pages({
      method: req.method ?? "GET",
      path: url.pathname,
      search: url.search,
      accept: req.headers.accept,
      acceptEncoding: req.headers["accept-encoding"],
    });
    if (page) return void res.writeHead(page.status, page.headers).end(page.body);
    if (url.pathname !== GRAPHQL_PATH)
      return void sendJson(res, 404, { error: `not found; GraphQL is at ${GRAPHQL_PATH}` });

    const body = await readBody(req, maxBodyBytes);
    if (body === undefined) return void reject(res, payloadTooLarge(maxBodyBytes));
    let parsed: unknown = undefined;
    if (req.method === "POST" && body.length) {
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        return void reject(res, rejection(400, "request body is not valid JSON", RejectionCode.BAD_REQUEST));
      }
    }
    const method = req.method ?? "GET";
    const apiKey = req.headers[API_KEY_HEADER];
    await app.secrets.refresh();
    const denied = checkAccess(app.secrets.apiKeys, {
      method,
      apiKey: typeof apiKey === "string" ? apiKey : undefined,
      body: parsed,
      search: url.search,
    });
    if (denied) return void reject(res, denied);
    const headers = new HeaderMap();
    for (const key in req.headers) {
      const value = req.headers[key];
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method, headers, search: url.search, body: parsed },
      // A method, not an arrow: keepNames would name an arrow with a defineProperty per request.
      async context() {
        return createContext(app, requestId, headers.get("idempotency-key"));
      },
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === "complete") return void res.end(response.body.string);
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}

function applyCors(req: IncomingMessage, res: ServerResponse, origins: string[] | true): void {
  const origin = req.headers.origin;
  if (!origin || (origins !== true && !origins.includes(origin))) return;
  res.setHeader("access-control-allow-origin", origins === true ? "*" : origin);
  res.setHeader("vary", "origin");
  res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
  res.setHeader(
    "access-control-allow-headers",
    "content-type, x-api-key, idempotency-key, apollo-require-preflight, x-apollo-operation-name",
  );
  res.setHeader("access-control-max-age", "600");
}

function reject(res: ServerResponse, answer: Rejection): void {
  sendJson(res, answer.status, answer.body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" }).end(JSON.stringify(body));
}
