import { registerEnumType } from "type-graphql";
import { FAMILY_NAMES, type FamilyName } from "../../factors/types";

/** The in-process model families with a model store (named "ModelFamily" in the schema). */
export const ModelFamilyEnum = Object.fromEntries(FAMILY_NAMES.map((f) => [f, f])) as {
  [K in FamilyName]: K;
};

registerEnumType(ModelFamilyEnum, {
  name: "ModelFamily",
  description: "An in-process model family, each with its own model store.",
  valuesConfig: {
    NMF: { description: "Non-negative matrix factorization." },
    ALS: { description: "Implicit-feedback matrix factorization (alternating least squares)." },
  },
});
