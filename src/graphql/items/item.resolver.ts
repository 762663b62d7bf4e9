import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { checkId } from "../../events/event.validation";
import type { GraphQLContext } from "../context";
import { Item, toItem } from "./item.type";

@Resolver(() => Item)
export class ItemResolver {
  @Query(() => Item, { nullable: true, description: "A catalog item by id; null when there is none." })
  async item(@Arg("id", () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Item | null> {
    const [item] = await ctx.loaders.items.load([checkId("id", id)]);
    return toItem(item ?? null);
  }
}
