import { Arg, Ctx, Query, Resolver } from "type-graphql";
import type { FamilyName } from "../../factors/types";
import type { GraphQLContext } from "../context";
import { ModelFamilyEnum } from "./model-family.enum";
import { ModelVersion } from "./model-version.type";

@Resolver()
export class ModelVersionResolver {
  @Query(() => [ModelVersion], {
    description:
      "Stored model versions of one family (NMF unless asked), newest first, with their validation metrics.",
  })
  async modelVersions(
    @Ctx() ctx: GraphQLContext,
    @Arg("family", () => ModelFamilyEnum, { defaultValue: "NMF" }) family: FamilyName,
  ): Promise<ModelVersion[]> {
    const history = await ctx.app.factorModels[family].store.history();
    return history.map((m) => ({
      family,
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
