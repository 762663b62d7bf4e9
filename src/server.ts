import "reflect-metadata";
import { ApolloServer } from "@apollo/server";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import type { Config } from "./config";
import { compiledExecution } from "./graphql/compiled-execution";
import type { GraphQLContext } from "./graphql/context";
import { formatError } from "./graphql/errors";
import { buildGatewaySchema } from "./graphql/schema";
import { requestObservabilityPlugin } from "./observability/request-plugin";
import { queryLimitProtection } from "./security/query-limits";

/**
 * The one Apollo Server, shared by the local server (src/main.ts) and the Lambda handler
 * (src/lambda.ts). Synchronous so the Lambda can build it at module scope, once per container.
 */
export function createApolloServer(config: Config): ApolloServer<GraphQLContext> {
  const limits = queryLimitProtection();
  const schema = buildGatewaySchema();
  return new ApolloServer<GraphQLContext>({
    ...(config.graphql.compile ? { gateway: compiledExecution({ schema }) } : { schema }),
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    introspection: config.graphql.introspection,
    includeStacktraceInErrorResponses: !config.production,
    formatError: formatError(config.production),
    csrfPrevention: true,
    plugins: [
      requestObservabilityPlugin<GraphQLContext>(),
      ...limits.plugins,
      // No cache hints in this schema: without the plugin, Apollo does not wrap every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      // GraphiQL is served before Apollo (src/http/web-pages.ts): Apollo shows only its own Sandbox.
      config.graphql.landingPage === "sandbox"
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
}
