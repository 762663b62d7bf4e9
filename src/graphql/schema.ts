import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchemaSync } from "type-graphql";
import { EventResolver } from "./events/event.resolver";
import { HealthResolver } from "./health/health.resolver";
import { ItemResolver } from "./items/item.resolver";
import { ModelVersionResolver } from "./model-versions/model-version.resolver";
import { RecommendationResolver } from "./recommendations/recommendation.resolver";
import { StrategyReportResolver } from "./reports/strategy-report.resolver";

export const resolvers = [
  RecommendationResolver,
  ItemResolver,
  EventResolver,
  HealthResolver,
  StrategyReportResolver,
  ModelVersionResolver,
] as const;

/** Inputs are validated by the services (one set of rules for GraphQL, CSV and CLI), not class-validator. */
export function buildGatewaySchema(): GraphQLSchema {
  return buildSchemaSync({ resolvers, validate: false });
}
