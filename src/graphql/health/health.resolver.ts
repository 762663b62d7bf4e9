import { Ctx, FieldResolver, Query, Resolver } from "type-graphql";
import type { GraphQLContext } from "../context";
import { Health, PersonalizeCampaignHealth } from "./health.type";

@Resolver(() => Health)
export class HealthResolver {
  @Query(() => Health, { description: "Liveness and the state of each strategy; needs no API key." })
  health(@Ctx() ctx: GraphQLContext): Health {
    return ctx.app.health();
  }

  /** A field resolver: only a health query that asks for the campaign may wait for DescribeCampaign. */
  @FieldResolver(() => PersonalizeCampaignHealth, {
    nullable: true,
    description:
      "Set when PERSONALIZE_CAMPAIGN_ARN is: DescribeCampaign, cached PERSONALIZE_STATUS_SECONDS; a failed check is a detail, never a failed health.",
  })
  async personalizeCampaign(@Ctx() ctx: GraphQLContext): Promise<PersonalizeCampaignHealth | null> {
    return (await ctx.app.personalizeCampaign?.health()) ?? null;
  }
}
