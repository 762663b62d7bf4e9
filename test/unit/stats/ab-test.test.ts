import { describe, expect, it } from "vitest";
import { compareProportions, normalCdf, normalQuantile, sampleSizePerArm } from "../../../src/stats/ab-test";

describe("normal distribution", () => {
  it("matches printed table values", () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
    expect(normalCdf(-1.644854)).toBeCloseTo(0.05, 5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 6);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 6);
  });
});

describe("two-proportion comparison", () => {
  it("reproduces Agresti's Physicians' Health Study interval (aspirin vs placebo, heart attacks)", () => {
    // Agresti, An Introduction to Categorical Data Analysis (2nd ed., 2.2.3): 189/11034 on placebo,
    // 104/11037 on aspirin; difference 0.0077, standard error 0.0015, 95% CI (0.005, 0.011).
    const c = compareProportions({ n: 11037, x: 104 }, { n: 11034, x: 189 });
    expect(c.difference).toBeCloseTo(0.0077, 4);
    expect(c.lower).toBeCloseTo(0.0047, 4);
    expect(c.upper).toBeCloseTo(0.0107, 4);
    expect(c.significant).toBe(true);
    expect(c.z).toBeCloseTo(5.0014, 3);
  });

  it("computes z, p-value and interval by hand for 200/1000 against 250/1000", () => {
    // pooled p = 0.225, SE0 = sqrt(0.225 * 0.775 * 2/1000) = 0.018675, z = 0.05 / 0.018675 = 2.6774,
    // p = 2(1 - Phi(2.6774)) = 0.00742; SE = sqrt(0.2*0.8/1000 + 0.25*0.75/1000) = 0.018641, +-1.96 SE.
    const c = compareProportions({ n: 1000, x: 200 }, { n: 1000, x: 250 });
    expect(c.controlRate).toBe(0.2);
    expect(c.rate).toBe(0.25);
    expect(c.z).toBeCloseTo(2.6774, 4);
    expect(c.pValue).toBeCloseTo(0.00742, 5);
    expect(c.lower).toBeCloseTo(0.01346, 5);
    expect(c.upper).toBeCloseTo(0.08654, 5);
    expect(c.significant).toBe(true);
  });

  it("does not call a small difference on a small sample significant, and says the sample is short", () => {
    const c = compareProportions({ n: 100, x: 10 }, { n: 100, x: 12 });
    expect(c.significant).toBe(false);
    expect(c.lower).toBeLessThan(0);
    expect(c.upper).toBeGreaterThan(0);
    expect(c.pValue).toBeGreaterThan(0.5);
    // control 0.10, minimum detectable effect +10% -> 0.11
    expect(c.requiredPerVariant).toBe(sampleSizePerArm(0.1, 0.11, 0.05, 0.8));
    expect(c.sampleReached).toBe(false);
  });

  it("answers without dividing by zero when nothing converted", () => {
    const c = compareProportions({ n: 50, x: 0 }, { n: 40, x: 0 });
    expect(c).toMatchObject({ difference: 0, z: 0, pValue: 1, significant: false, sampleReached: false });
    expect(c.requiredPerVariant).toBeUndefined();
  });
});

describe("sample size", () => {
  it("matches the textbook figure: 10% -> 12% at alpha 0.05 and power 0.8 needs 3,841 per arm", () => {
    // Fleiss' formula without continuity correction (as G*Power and statsmodels compute it).
    expect(sampleSizePerArm(0.1, 0.12, 0.05, 0.8)).toBe(3841);
    expect(sampleSizePerArm(0.2, 0.22, 0.05, 0.8)).toBe(6510);
  });

  it("marks the sample reached once both arms have it", () => {
    const options = { alpha: 0.05, power: 0.8, minimumDetectableEffect: 0.2 };
    expect(compareProportions({ n: 3841, x: 384 }, { n: 3841, x: 400 }, options).requiredPerVariant).toBe(
      sampleSizePerArm(384 / 3841, (384 / 3841) * 1.2, 0.05, 0.8),
    );
    expect(compareProportions({ n: 5000, x: 500 }, { n: 5000, x: 560 }, options).sampleReached).toBe(true);
    expect(compareProportions({ n: 5000, x: 500 }, { n: 3000, x: 330 }, options).sampleReached).toBe(false);
  });
});
