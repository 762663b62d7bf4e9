import { registerEnumType } from "type-graphql";
import { STRATEGY_NAMES } from "../../domain/vocabulary";
import { enumOf } from "../enum-of";

/** The GraphQL enum (named "Strategy" in the schema, a contract); the strategies themselves implement `Strategy` in src/strategies. */
export const StrategyEnum = enumOf(STRATEGY_NAMES);

registerEnumType(StrategyEnum, {
  name: "Strategy",
  description: "Who answers a recommendation request.",
  valuesConfig: {
    NMF: { description: "In-process non-negative matrix factorization." },
    ALS: { description: "In-process implicit-feedback matrix factorization (alternating least squares)." },
    EASE: { description: "In-process item-item model (EASE) for small catalogs or few users." },
    SAGEMAKER_XGBOOST: {
      description: "XGBoost ranker on a SageMaker endpoint (or in-process) over DynamoDB features.",
    },
    PERSONALIZE: { description: "An Amazon Personalize campaign or recommender." },
    POPULAR: { description: "Recent weighted popularity; the fallback that never fails." },
  },
});
