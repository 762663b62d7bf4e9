import { Field, Float, ID, ObjectType } from "type-graphql";
import type { CatalogItem } from "../../store/items.store";

@ObjectType({ description: "A catalog item.", simpleResolvers: true })
export class Item {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true })
  title?: string;

  @Field(() => String, { nullable: true })
  category?: string;

  @Field(() => Float, { nullable: true })
  price?: number;

  @Field(() => String, { nullable: true })
  imageUrl?: string;
}

export function toItem(item: CatalogItem | null): Item | null {
  if (!item) return null;
  // Field by field: cheaper than a rest and a spread for every listed item.
  return {
    id: item.itemId,
    title: item.title,
    category: item.category,
    price: item.price,
    imageUrl: item.imageUrl,
  };
}
