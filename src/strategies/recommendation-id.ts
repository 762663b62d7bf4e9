import { randomUUID } from "node:crypto";
import { STRATEGY_NAMES, type StrategyName } from "../domain/vocabulary";

/**
 * recommendationId = "<strategy>~<variant>~<id>": opaque to clients, but when they echo it in
 * recordEvent the gateway knows which strategy and A/B variant served the list. For Personalize
 * lists <id> is Personalize's own recommendationId, so forwarded events attribute correctly there too.
 */
const SEPARATOR = "~";

export interface RecommendationRef {
  strategy: StrategyName;
  variant: string;
  id: string;
}

export function formatRecommendationId(strategy: StrategyName, variant: string, externalId?: string): string {
  const id = externalId ?? randomUUID();
  return `${strategy}${SEPARATOR}${variant.replaceAll(SEPARATOR, "-")}${SEPARATOR}${id}`;
}

export function parseRecommendationId(recommendationId: string): RecommendationRef | undefined {
  const [strategy, variant, ...rest] = recommendationId.split(SEPARATOR);
  const known = STRATEGY_NAMES.find((s) => s === strategy);
  if (!known || !variant || rest.length === 0) return undefined;
  return { strategy: known, variant, id: rest.join(SEPARATOR) };
}
