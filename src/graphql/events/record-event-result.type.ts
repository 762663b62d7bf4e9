import { Field, ID, ObjectType } from "type-graphql";

@ObjectType()
export class RecordEventResult {
  @Field(() => ID)
  eventId: string;

  @Field(() => Boolean, {
    description: "True when this idempotency key was already recorded; eventId is the original.",
  })
  duplicate: boolean;
}
