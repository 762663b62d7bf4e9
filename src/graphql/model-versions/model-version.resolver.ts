import { Ctx, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../context";
import { ModelVersion } from "./model-version.type";

@Resolver()
export class ModelVersionResolver {
  @Query(() => [ModelVersion], {
    description: "Stored NMF model versions, newest first, with their validation metrics.",
  })
  async modelVersions(@Ctx() ctx: GraphQLContext): Promise<ModelVersion[]> {
    const history = await ctx.app.modelStore.history();
    return history.map((m) => ({
      version: m.version,
      createdAt: m.createdAt,
      latest: m.latest,
      users: m.training.users,
      items: m.training.items,
      interactions: m.training.interactions,
      loss: m.training.loss,
      candidate: m.metrics?.candidate,
      popularity: m.metrics?.popularity,
      promoted: m.gate?.promoted,
      gateReason: m.gate?.reason,
    }));
  }
}
