import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import type { StrategyName } from "../../domain/vocabulary";
import { Item } from "../items/item.type";
import { StrategyEnum } from "./strategy.enum";

// simpleResolvers: the schema has no middlewares or auth checks, so plain fields need no type-graphql
// resolver of their own; graphql-js reads them directly (tens of fields in every list).
@ObjectType({ description: "One recommended item, best first.", simpleResolvers: true })
export class ScoredItem {
  @Field(() => ID)
  itemId: string;

  @Field(() => Float, { description: "The strategy's score; comparable only within one list." })
  score: number;

  @Field(() => Int, { description: "1 for the best item." })
  rank: number;

  // A rejected promise when the catalog could not be read, reported as this field's error. Not simple:
  // graphql-jit awaits what a resolver returns, but reads a field without one as a plain value.
  @Field(() => Item, {
    nullable: true,
    description: "Catalog data; null when the item is not in the catalog.",
    simple: false,
  })
  item?: Item | null | Promise<never>;
}

@ObjectType({ description: "A list as served, with who served it.", simpleResolvers: true })
export class RecommendationList {
  @Field(() => ID, {
    description: "Echo it in recordEvent to attribute outcomes to the strategy that served the list.",
  })
  recommendationId: string;

  @Field(() => StrategyEnum, { description: "Who actually answered." })
  strategy: StrategyName;

  @Field(() => StrategyEnum, {
    nullable: true,
    description: "The strategy asked first, when it failed or was unavailable.",
  })
  fallbackFrom?: StrategyName;

  @Field(() => String, {
    description: "The A/B variant that chose the strategy (default, override, or NAME:weight).",
  })
  variant: string;

  @Field(() => String, { nullable: true })
  modelVersion?: string;

  @Field(() => [ScoredItem])
  items: ScoredItem[];
}
