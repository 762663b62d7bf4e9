import { Field, InputType } from "type-graphql";

@InputType({ description: "Request context for strategies that use it (Personalize: e.g. DEVICE = mobile)." })
export class ContextEntry {
  @Field(() => String)
  key: string;

  @Field(() => String)
  value: string;
}
