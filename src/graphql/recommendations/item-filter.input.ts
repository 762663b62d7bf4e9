import { Field, ID, InputType } from "type-graphql";

@InputType({ description: "Restricts what a list may contain." })
export class ItemFilter {
  @Field(() => String, { nullable: true, description: "Only items of this category." })
  category?: string;

  @Field(() => [ID], { nullable: true, description: "Never return these items (at most 500)." })
  excludeItemIds?: string[];

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: true,
    description: "Leave out items the user already interacted with (recommendations only).",
  })
  excludeSeen?: boolean;
}
