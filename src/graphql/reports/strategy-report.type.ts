import { Field, Float, Int, ObjectType } from "type-graphql";
import type { EventType as EventTypeName } from "../../domain/vocabulary";
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

@ObjectType({ description: "One event type's rate in a variant against the control's." })
export class EventComparison {
  @Field(() => EventType)
  type: EventTypeName;

  @Field(() => Float)
  controlRate: number;

  @Field(() => Float)
  rate: number;

  @Field(() => Float, { description: "rate - controlRate." })
  difference: number;

  @Field(() => Float, { description: "Lower end of the difference's confidence interval (1 - alpha)." })
  lower: number;

  @Field(() => Float, { description: "Upper end of the difference's confidence interval (1 - alpha)." })
  upper: number;

  @Field(() => Float, { description: "Two-proportion z statistic (pooled standard error)." })
  z: number;

  @Field(() => Float, { description: "Two-sided p-value of the z-test." })
  pValue: number;

  @Field(() => Boolean, {
    description: "pValue < alpha. Read it once sampleReached is true (fixed horizon).",
  })
  significant: boolean;

  @Field(() => Int, {
    nullable: true,
    description: "Lists needed in each arm to detect minimumDetectableEffect with the test's power.",
  })
  requiredPerVariant?: number;

  @Field(() => Boolean, {
    description: "Both the variant and the control have served requiredPerVariant lists.",
  })
  sampleReached: boolean;
}

@ObjectType({
  description: "A variant against the control, all strategies that answered its lists included.",
})
export class VariantComparison {
  @Field(() => String)
  variant: string;

  @Field(() => Int)
  served: number;

  @Field(() => Int)
  controlServed: number;

  @Field(() => [EventComparison])
  events: EventComparison[];
}

@ObjectType({ description: "The settings of the fixed-horizon two-proportion z-test." })
export class AbTestSettings {
  @Field(() => Float, { description: "Two-sided significance level." })
  alpha: number;

  @Field(() => Float)
  power: number;

  @Field(() => Float, { description: "Relative lift over the control's rate, e.g. 0.1 = +10%." })
  minimumDetectableEffect: number;
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

  @Field(() => String, { nullable: true, description: "The control variant; null without an A/B split." })
  control?: string;

  @Field(() => AbTestSettings)
  test: AbTestSettings;

  @Field(() => [VariantComparison], { description: "Every other randomised variant against the control." })
  comparisons: VariantComparison[];
}
