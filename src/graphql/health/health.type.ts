import { Field, Int, ObjectType } from "type-graphql";
import type { StrategyName } from "../../domain/vocabulary";
import { StrategyEnum } from "../recommendations/strategy.enum";

@ObjectType()
export class StrategyHealth {
  @Field(() => StrategyEnum)
  name: StrategyName;

  @Field(() => Boolean)
  configured: boolean;

  @Field(() => Boolean)
  ready: boolean;

  @Field(() => String, { nullable: true })
  modelVersion?: string;

  @Field(() => String, { nullable: true, description: "Why it is not ready, or what it serves." })
  detail?: string;

  @Field(() => String, { description: "Circuit breaker: closed, open or half_open." })
  circuit: string;
}

@ObjectType({ description: "The configured Amazon Personalize campaign, from DescribeCampaign (cached)." })
export class PersonalizeCampaignHealth {
  @Field(() => String)
  arn: string;

  @Field(() => String, { nullable: true, description: "ACTIVE, CREATE IN_PROGRESS, ...; null when unknown." })
  status?: string;

  @Field(() => String, { nullable: true, description: "The solution version the campaign serves." })
  solutionVersionArn?: string;

  @Field(() => Int, { nullable: true })
  minProvisionedTPS?: number;

  @Field(() => String, { nullable: true, description: "Status of a campaign update in progress." })
  pendingUpdate?: string;

  @Field(() => String, { nullable: true, description: "When Personalize gave this answer (ISO 8601)." })
  checkedAt?: string;

  @Field(() => String, { nullable: true, description: "Why the status is unknown or old." })
  detail?: string;
}

@ObjectType()
export class Health {
  @Field(() => String, { description: "ok, or degraded when the configured strategy cannot answer." })
  status: string;

  @Field(() => String)
  stage: string;

  @Field(() => String)
  version: string;

  @Field(() => StrategyEnum)
  defaultStrategy: StrategyName;

  @Field(() => Int)
  uptimeSeconds: number;

  @Field(() => [StrategyHealth])
  strategies: StrategyHealth[];
}
