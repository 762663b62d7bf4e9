import { Field, Float, Int, ObjectType } from "type-graphql";
import type { FamilyName } from "../../factors/types";
import { ModelFamilyEnum } from "./model-family.enum";

@ObjectType({ description: "Held-out ranking metrics of a model (binary relevance, averaged over users)." })
export class RankingMetricsType {
  @Field(() => Int)
  k: number;

  @Field(() => Int)
  users: number;

  @Field(() => Float)
  precision: number;

  @Field(() => Float)
  recall: number;

  @Field(() => Float)
  ndcg: number;

  @Field(() => Float)
  map: number;

  @Field(() => Float)
  coverage: number;
}

@ObjectType({ description: "A stored model version, from its manifest." })
export class ModelVersion {
  @Field(() => ModelFamilyEnum)
  family: FamilyName;

  @Field(() => String)
  version: string;

  @Field(() => String, { description: "ISO 8601 time the model was trained." })
  createdAt: string;

  @Field(() => Boolean, { description: "The version `latest` points at (the one serving)." })
  latest: boolean;

  @Field(() => Int)
  users: number;

  @Field(() => Int)
  items: number;

  @Field(() => Int)
  interactions: number;

  @Field(() => Float)
  loss: number;

  @Field(() => RankingMetricsType, { nullable: true, description: "The candidate on the held-out split." })
  candidate?: RankingMetricsType;

  @Field(() => RankingMetricsType, { nullable: true, description: "Popularity on the same split." })
  popularity?: RankingMetricsType;

  @Field(() => Boolean, { nullable: true, description: "The validation gate promoted it." })
  promoted?: boolean;

  @Field(() => String, { nullable: true, description: "The gate's reason." })
  gateReason?: string;
}
