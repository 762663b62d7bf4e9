import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { checkId } from "../../events/event.validation";
import type { GraphQLContext } from "../context";
import { ScoredItem } from "../recommendations/recommendation-list.type";
import { Item, toItem } from "./item.type";

@Resolver(() => Item)
export class ItemResolver {
  @Query(() => Item, { nullable: true, description: "A catalog item by id; null when there is none." })
  async item(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Item | null> {
    return toItem(await ctx.loaders.items.load(checkId("id", id)));
  }
}

/** ScoredItem.item goes through the per-request DataLoader: one BatchGetItem per 100 items. */
@Resolver(() => ScoredItem)
export class ScoredItemResolver {
  @FieldResolver(() => Item, { nullable: true })
  async item(@Root() scored: ScoredItem, @Ctx() ctx: GraphQLContext): Promise<Item | null> {
    return toItem(await ctx.loaders.items.load(scored.itemId));
  }
}
