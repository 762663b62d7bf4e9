import { Arg, Ctx, ID, Int, Query, Resolver } from "type-graphql";
import type { StrategyName } from "../../domain/vocabulary";
import type { ServedList } from "../../strategies/router";
import type { GraphQLContext } from "../context";
import { toItem } from "../items/item.type";
import { ContextEntry } from "./context-entry.input";
import { ItemFilter } from "./item-filter.input";
import { RecommendationList } from "./recommendation-list.type";
import { StrategyEnum } from "./strategy.enum";

@Resolver(() => RecommendationList)
export class RecommendationResolver {
  @Query(() => RecommendationList, { description: "Personalised items for a user." })
  async recommendations(
    @Arg("userId", () => ID) userId: string,
    @Arg("k", () => Int, { nullable: true, defaultValue: 10, description: "1..100" }) k: number,
    @Arg("strategy", () => StrategyEnum, {
      nullable: true,
      description: "Override the configured strategy (when allowed).",
    })
    strategy: StrategyName | undefined,
    @Arg("filter", () => ItemFilter, { nullable: true }) filter: ItemFilter | undefined,
    @Arg("context", () => [ContextEntry], {
      nullable: true,
      description: "Passed to strategies that use it.",
    })
    context: ContextEntry[] | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RecommendationList> {
    return served(
      ctx,
      await ctx.app.recommendations.recommendations(userId, { k, strategy, filter, context }),
    );
  }

  @Query(() => RecommendationList, { description: "Items similar to an item (never the item itself)." })
  async relatedItems(
    @Arg("itemId", () => ID) itemId: string,
    @Arg("k", () => Int, { nullable: true, defaultValue: 10, description: "1..100" }) k: number,
    @Arg("strategy", () => StrategyEnum, { nullable: true }) strategy: StrategyName | undefined,
    @Arg("filter", () => ItemFilter, { nullable: true }) filter: ItemFilter | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RecommendationList> {
    return served(ctx, await ctx.app.recommendations.relatedItems(itemId, { k, strategy, filter }));
  }

  @Query(() => RecommendationList, { description: "The most popular items right now." })
  async popularItems(
    @Arg("k", () => Int, { nullable: true, defaultValue: 10, description: "1..100" }) k: number,
    @Arg("filter", () => ItemFilter, { nullable: true }) filter: ItemFilter | undefined,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RecommendationList> {
    return served(ctx, await ctx.app.recommendations.popularItems({ k, filter }));
  }
}

/**
 * The list with its catalog data, read together through the request's loader (one BatchGetItem per
 * 100 items, or the in-process catalog cache): the whole list then resolves without a promise or a
 * resolver per item, which made up much of a request's cost when each item was resolved on its own.
 */
async function served(ctx: GraphQLContext, list: ServedList): Promise<RecommendationList> {
  ctx.served.push({ strategy: list.strategy, fallbackFrom: list.fallbackFrom });
  const ids = list.items.map((item) => item.itemId);
  // All cached, the usual case: no loader batch and none of its promises (a tenth of a request's own
  // cost in the benchmark). A failed read is an error on each item's field only.
  const catalog =
    ctx.app.stores.items.cachedMany(ids) ??
    (await ctx.loaders.items.load(ids).catch((error: unknown) => ({ error })));
  return {
    recommendationId: list.recommendationId,
    strategy: list.strategy,
    fallbackFrom: list.fallbackFrom,
    variant: list.variant,
    modelVersion: list.modelVersion,
    items: list.items.map((item, index) => ({
      itemId: item.itemId,
      score: item.score,
      rank: index + 1,
      item: "error" in catalog ? failedField(catalog.error) : toItem(catalog[index] ?? null),
    })),
  };
}

/**
 * A rejected promise, which the executor awaits and reports as the field's error; marked handled here
 * so that a query that does not select the field leaves no unhandled rejection.
 */
function failedField(error: unknown): Promise<never> {
  const failed = Promise.reject(error);
  failed.catch(() => undefined);
  return failed;
}
