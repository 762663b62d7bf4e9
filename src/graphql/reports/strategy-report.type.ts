import { Field, Float, Int, ObjectType } from "type-graphql";
import type { EventType as EventTypeName } from "../../config";
import { EventType } from "../events/event-type.enum";

@ObjectType({ description: "Events of one type attributed to a strategy variant." })
export class AttributedEvents {
  @Field(() => EventType)
  type: EventTypeName;

  @Field(() => Int)
  count: number;

  @Field(() => Float, { description: "count / lists served: the conversion rate of this event type." })
  rate: number;
}

@ObjectType({ description: "One strategy and A/B variant over the report's days." })
export class StrategyReportRow {
  @Field(() => String)
  strategy: string;

  @Field(() => String)
  variant: string;

  @Field(() => Int, { description: "Lists this strategy variant served." })
  served: number;

  @Field(() => [AttributedEvents])
  events: AttributedEvents[];
}

@ObjectType({
  description: "Lists served and attributed events per strategy variant: read an A/B test here.",
})
export class StrategyReport {
  @Field(() => String, { description: "First UTC day included (YYYY-MM-DD)." })
  from: string;

  @Field(() => String, { description: "Last UTC day included (today)." })
  to: string;

  @Field(() => [StrategyReportRow])
  rows: StrategyReportRow[];
}
