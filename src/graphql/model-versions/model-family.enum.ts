import { registerEnumType } from "type-graphql";
import { FAMILY_NAMES } from "../../factors/types";
import { enumOf } from "../enum-of";

/** The in-process model families with a model store (named "ModelFamily" in the schema). */
export const ModelFamilyEnum = enumOf(FAMILY_NAMES);

registerEnumType(ModelFamilyEnum, {
  name: "ModelFamily",
  description: "An in-process model family, each with its own model store.",
  valuesConfig: {
    NMF: { description: "Non-negative matrix factorization." },
    ALS: { description: "Implicit-feedback matrix factorization (alternating least squares)." },
    EASE: { description: "Item-item weights in closed form (EASE), stored as an exact factorization." },
  },
});
