import { createHash } from "node:crypto";
import type { AbVariant } from "../config";
import type { StrategyName } from "../domain/vocabulary";

export interface AbAssignment {
  strategy: StrategyName;
  /** The variant as configured, e.g. "NMF:80": reported in responses and attribution counts. */
  variant: string;
}

/**
 * A position in [0, 1) that depends only on the user and the experiment salt, so a user keeps
 * their variant across requests, processes and deploys; a new salt reshuffles everybody.
 */
export function abBucket(userId: string, salt: string): number {
  const digest = createHash("sha256").update(`${salt}\u0000${userId}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

/** A variant's name in responses, recommendation ids and attribution counts, e.g. "NMF:80". */
export function variantName(variant: AbVariant): string {
  return `${variant.strategy}:${variant.weight}`;
}

/** Sticky A/B assignment of users to strategies in proportion to the configured weights. */
export class AbSplit {
  private readonly variants: { strategy: StrategyName; name: string; upTo: number }[];

  constructor(
    variants: readonly AbVariant[],
    private readonly salt = "recs-ab",
  ) {
    const total = variants.reduce((sum, v) => sum + v.weight, 0);
    if (variants.length === 0 || !(total > 0))
      throw new Error("An A/B split needs variants with positive weights");
    let cumulative = 0;
    this.variants = variants.map((v) => {
      cumulative += v.weight;
      return { strategy: v.strategy, name: variantName(v), upTo: cumulative / total };
    });
  }

  assign(userId: string): AbAssignment {
    const bucket = abBucket(userId, this.salt);
    // The last variant also takes any rounding remainder at the top of the range.
    const chosen = this.variants.find((v) => bucket < v.upTo) ?? this.variants[this.variants.length - 1]!;
    return { strategy: chosen.strategy, variant: chosen.name };
  }
}
