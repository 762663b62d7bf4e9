/**
 * Fixed-horizon A/B statistics for conversion rates: pure functions, no I/O.
 *
 * A variant is compared with the control by a two-proportion z-test (pooled standard error under the
 * null hypothesis), the difference gets a Wald confidence interval (unpooled standard error), and the
 * sample needed per variant for a minimum detectable effect comes from the usual normal-approximation
 * formula (Fleiss). A fixed-horizon test is read once, when both arms have reached that sample: reading
 * it every day and stopping at the first "significant" day inflates the false-positive rate.
 */

export interface Proportion {
  /** Trials (lists served). */
  n: number;
  /** Successes (lists followed by the event); capped at n by the caller. */
  x: number;
}

export interface TestOptions {
  /** Two-sided significance level. */
  alpha: number;
  /** Probability of detecting the minimum detectable effect when it is real. */
  power: number;
  /** Relative lift over the control's rate worth detecting, e.g. 0.1 = +10%. */
  minimumDetectableEffect: number;
}

export const DEFAULT_TEST_OPTIONS: TestOptions = { alpha: 0.05, power: 0.8, minimumDetectableEffect: 0.1 };

export interface Comparison {
  controlRate: number;
  rate: number;
  /** rate - controlRate */
  difference: number;
  /** (1 - alpha) confidence interval of the difference. */
  lower: number;
  upper: number;
  z: number;
  /** Two-sided p-value of the z-test. */
  pValue: number;
  significant: boolean;
  /** Lists needed in each arm to detect the minimum detectable effect; undefined while the control rate is 0 or 1. */
  requiredPerVariant?: number;
  sampleReached: boolean;
}

/** Standard normal CDF through erf (Abramowitz and Stegun 7.1.26, absolute error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    const value =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
    return p < low ? value : -value;
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Lists per arm to detect p1 -> p2 with a two-sided test at `alpha` with `power` (Fleiss, no continuity correction). */
export function sampleSizePerArm(p1: number, p2: number, alpha: number, power: number): number {
  const zAlpha = normalQuantile(1 - alpha / 2);
  const zBeta = normalQuantile(power);
  const mean = (p1 + p2) / 2;
  const root = zAlpha * Math.sqrt(2 * mean * (1 - mean)) + zBeta * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return Math.ceil((root * root) / ((p2 - p1) * (p2 - p1)));
}

/** The variant against the control for one event type. */
export function compareProportions(
  control: Proportion,
  variant: Proportion,
  options: TestOptions = DEFAULT_TEST_OPTIONS,
): Comparison {
  const p1 = control.n ? control.x / control.n : 0;
  const p2 = variant.n ? variant.x / variant.n : 0;
  const difference = p2 - p1;
  const zCritical = normalQuantile(1 - options.alpha / 2);
  const pooled = control.n + variant.n ? (control.x + variant.x) / (control.n + variant.n) : 0;
  const seNull = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / variant.n));
  const z = seNull > 0 ? difference / seNull : 0;
  const pValue = seNull > 0 ? 2 * (1 - normalCdf(Math.abs(z))) : 1;
  const se = Math.sqrt((p1 * (1 - p1)) / control.n + (p2 * (1 - p2)) / variant.n);
  const half = Number.isFinite(se) ? zCritical * se : Infinity;
  const target = p1 * (1 + options.minimumDetectableEffect);
  const requiredPerVariant =
    p1 > 0 && p1 < 1 && target < 1 ? sampleSizePerArm(p1, target, options.alpha, options.power) : undefined;
  return {
    controlRate: p1,
    rate: p2,
    difference,
    lower: difference - half,
    upper: difference + half,
    z,
    pValue,
    significant: pValue < options.alpha,
    requiredPerVariant,
    sampleReached: requiredPerVariant !== undefined && Math.min(control.n, variant.n) >= requiredPerVariant,
  };
}
