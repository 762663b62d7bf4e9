import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import type { GraphQLContext } from "../context";
import { EventInput } from "./event.input";
import { RecordEventResult } from "./record-event-result.type";

@Resolver()
export class EventResolver {
  @Mutation(() => RecordEventResult, {
    description: "Records one interaction; the next recommendations reflect it.",
  })
  recordEvent(
    @Arg("input", () => EventInput) input: EventInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<RecordEventResult> {
    return ctx.app.events.record(input, ctx.idempotencyKey);
  }

  @Mutation(() => [RecordEventResult], {
    description:
      "Records up to 25 interactions; all are validated before any is stored. With an Idempotency-Key header, an event without its own idempotencyKey is keyed '<header>#<position>' (from 0).",
  })
  recordEvents(
    @Arg("inputs", () => [EventInput]) inputs: EventInput[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<RecordEventResult[]> {
    return ctx.app.events.recordMany(inputs, ctx.idempotencyKey);
  }
}
