import { registerEnumType } from "type-graphql";
import { STRATEGY_NAMES, type StrategyName } from "../../domain/vocabulary";

/** The GraphQL enum (named "Strategy" in the schema, a contract); the strategies themselves implement `Strategy` in src/strategies. */
export const StrategyEnum = Object.fromEntries(STRATEGY_NAMES.map((s) => [s, s])) as {
  [K in StrategyName]: K;
};

registerEnumType(StrategyEnum, {
  name: "Strategy",
  description: "Who answers a recommendation request.",
  valuesConfig: {
    NMF: { description: "In-process non-negative matrix factorization." },
    ALS: { description: "In-process implicit-feedback matrix factorization (alternating least squares)." },
    SAGEMAKER_XGBOOST: {
      description: "XGBoost ranker on a SageMaker endpoint (or in-process) over DynamoDB features.",
    },
    PERSONALIZE: { description: "An Amazon Personalize campaign or recommender." },
    POPULAR: { description: "Recent weighted popularity; the fallback that never fails." },
  },
});
