import { GraphQLDateTime } from "graphql-scalars";
import { Field, Float, ID, InputType } from "type-graphql";
import type { EventType as EventTypeName } from "../../domain/vocabulary";
import { EventType } from "./event-type.enum";

@InputType({ description: "One user interaction." })
export class EventInput {
  @Field(() => ID)
  userId: string;

  @Field(() => ID)
  itemId: string;

  @Field(() => EventType)
  type: EventTypeName;

  @Field(() => GraphQLDateTime, {
    nullable: true,
    description: "When it happened; default now; at most 5 minutes ahead.",
  })
  timestamp?: Date;

  @Field(() => String, { nullable: true })
  sessionId?: string;

  @Field(() => ID, { nullable: true, description: "The recommendationId of the list the user acted on." })
  recommendationId?: string;

  @Field(() => Float, { nullable: true, description: "Price paid, or the rating of a RATING event." })
  value?: number;

  @Field(() => String, {
    nullable: true,
    description:
      "Makes retries safe: the same key stores the event once (or send an Idempotency-Key header).",
  })
  idempotencyKey?: string;
}
