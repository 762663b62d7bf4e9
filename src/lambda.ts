import "reflect-metadata";
import { handlers, startServerAndCreateLambdaHandler } from "@as-integrations/aws-lambda";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { createApp } from "./app";
import { loadConfig } from "./config";
import { createContext } from "./graphql/context";
import { createWebPages } from "./http/web-pages";
import { recordColdStart } from "./observability/metrics";
import { guardLambdaRequest, rejectionResult } from "./security/lambda-guard";
import { createApolloServer } from "./server";

// Module scope: built once per Lambda container, reused by every invocation it serves.
const app = createApp(loadConfig());
const apollo = createApolloServer(app.config);
const pages = createWebPages(app.config);
let coldStart = true;
// Lambda signals a shutdown only to functions with an extension registered (SIGTERM, then SIGKILL
// about 500 ms later); without one a container is simply discarded (README: "Background work").
process.once("SIGTERM", () => void app.close().finally(() => process.exit(0)));

const graphqlHandler = startServerAndCreateLambdaHandler(
  apollo,
  handlers.createAPIGatewayProxyEventV2RequestHandler(),
  {
    context: async ({ event, context }) =>
      createContext(app, context.awsRequestId, event.headers?.["idempotency-key"] ?? undefined),
  },
);

/** The GraphQL API (HTTP API v2 events only); scheduled retraining is its own function: src/retrain.ts. */
export async function handler(
  event: APIGatewayProxyEventV2,
  context: Context,
): Promise<APIGatewayProxyStructuredResultV2> {
  const starting = coldStart;
  coldStart = false;
  if (starting) recordColdStart(app.metrics);
  // The secrets on every invocation (from their cache once read); on a cold start beside the model
  // loads, which are part of it so that no request finds a routed model "not ready".
  await Promise.all([app.secrets.refresh(), starting && app.loadModels()]);
  try {
    // The pages carry no data (it comes from /graphql, behind the key): served before the key check.
    const page = pages({
      method: event.requestContext?.http?.method ?? "GET",
      path: event.rawPath ?? "/",
      search: event.rawQueryString ? `?${event.rawQueryString}` : "",
      accept: event.headers?.accept,
      acceptEncoding: event.headers?.["accept-encoding"],
    });
    if (page) {
      return {
        statusCode: page.status,
        headers: page.headers,
        body: page.body.toString("base64"),
        isBase64Encoded: true,
      };
    }
    const denied = guardLambdaRequest(event, {
      keys: app.secrets.apiKeys,
      maxBodyBytes: app.config.http.maxBodyBytes,
    });
    if (denied) return rejectionResult(denied);
    return (await graphqlHandler(event, context, () => undefined)) as APIGatewayProxyStructuredResultV2;
  } finally {
    // The response waits at most FLUSH_DEADLINE_MS; what is left resumes when the container thaws.
    await app.flush();
  }
}
