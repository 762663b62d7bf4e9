import { als } from "./als/train";
import { ease } from "./ease/train";
import type { ModelFamily } from "./factors/family";
import type { FamilyName } from "./factors/types";
import { nmf } from "./nmf/train";

/**
 * Every in-process model family by name: what the app serves and `recs evaluate` compares. Each is
 * typed by its own settings; the map holds them as families of any settings.
 */
export const FAMILIES = { NMF: nmf, ALS: als, EASE: ease } as Record<FamilyName, ModelFamily>;
