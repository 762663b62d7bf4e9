import { normalQuantile } from "./ab-test";

/** The mean of `b - a` over paired observations, with its confidence interval. */
export interface PairedDifference {
  mean: number;
  lower: number;
  upper: number;
  /** Pairs compared. */
  n: number;
}

/**
 * Two rankers scored on the same users: the per-user differences' mean and the paired t-test's
 * interval, with the normal quantile for t's (the same to two decimals beyond a hundred users).
 * Pairing removes what the users share (easy and hard users alike), so it resolves far smaller
 * differences than comparing the two averages.
 */
export function pairedDifference(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  confidence = 0.95,
): PairedDifference {
  if (a.length !== b.length)
    throw new RangeError(`paired samples differ in length: ${a.length} and ${b.length}`);
  const n = a.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += b[i]! - a[i]!;
  const mean = n ? sum / n : 0;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (b[i]! - a[i]! - mean) ** 2;
  const half = n > 1 ? normalQuantile(0.5 + confidence / 2) * Math.sqrt(squares / (n - 1) / n) : Infinity;
  return { mean, lower: mean - half, upper: mean + half, n };
}

/** A difference with its sign, to four decimals: "+0.0166", "-0.0071". */
export function signed(x: number): string {
  return (x >= 0 ? "+" : "") + x.toFixed(4);
}

/** "+0.0166 [+0.0069, +0.0264]": a difference and its interval, as tables print them. */
export function formatInterval(difference: number, lower: number, upper: number): string {
  return `${signed(difference)} [${signed(lower)}, ${signed(upper)}]`;
}
