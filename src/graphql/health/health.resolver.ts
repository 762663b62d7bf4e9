import { Ctx, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../context";
import { Health } from "./health.type";

@Resolver()
export class HealthResolver {
  @Query(() => Health, { description: "Liveness and the state of each strategy; needs no API key." })
  health(@Ctx() ctx: GraphQLContext): Health {
    return ctx.app.health();
  }
}
