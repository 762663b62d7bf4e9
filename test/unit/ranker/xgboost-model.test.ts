import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { XgbModel, XgbModelError } from "../../../src/ranker/xgboost/model";
import { featureRows, featureRowsBySpec } from "../../../src/ranker/xgboost/rows";

const FIXTURES = path.join(__dirname, "../../fixtures/xgboost");
const readJson = (name: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, name), "utf8"));
const inputs = readJson("inputs.json") as { features: number; rows: Array<Array<number | null>> };
const expected = readJson("expected.json") as Record<string, { predictions: number[]; margins: number[] }>;
const rows = featureRows(inputs.rows, inputs.features);
const modelText = (name: string): string => readFileSync(path.join(FIXTURES, `model_${name}.json`), "utf8");

describe("XgbModel against xgboost's own predictions", () => {
  it("the fixture exercises missing values", () => {
    const missing = inputs.rows.flat().filter((v) => v === null).length;
    expect(missing).toBeGreaterThan(inputs.rows.length);
  });

  for (const name of ["binary_logistic", "reg_logistic", "reg_squarederror"]) {
    it(`${name}: predictions and margins within 1e-6`, () => {
      const model = XgbModel.fromJsonText(modelText(name));
      const predictions = model.predict(rows);
      const margins = model.margins(rows);
      expected[name].predictions.forEach((want, i) =>
        expect(Math.abs(predictions[i] - want)).toBeLessThan(1e-6),
      );
      expected[name].margins.forEach((want, i) => expect(Math.abs(margins[i] - want)).toBeLessThan(1e-6));
    });
  }

  it("reads base_score as a probability for logistic objectives (logit into the margin)", () => {
    const model = XgbModel.fromJsonText(modelText("binary_logistic"));
    expect(model.baseScore).toBeCloseTo(0.3, 6);
    expect(model.objective.baseMargin(model.baseScore)).toBeCloseTo(Math.log(0.3 / 0.7), 6);
    expect(model.treeCount).toBe(20);
    expect(model.featureCount).toBe(24);
  });

  it("follows default_left for a missing value", () => {
    const json = stumpModel({ defaultLeft: true });
    const model = XgbModel.fromJson(json);
    const out = model.margins(featureRows([[0], [2], [null], [NaN]], 1));
    expect(Array.from(out)).toEqual([-1, 1, -1, -1]);
    const right = XgbModel.fromJson(stumpModel({ defaultLeft: false }));
    expect(Array.from(right.margins(featureRows([[null]], 1)))).toEqual([1]);
  });

  it("accepts the 2.x vector form of base_score", () => {
    const json = stumpModel({ defaultLeft: true, baseScore: "[2.5E0]", objective: "reg:squarederror" });
    expect(Array.from(XgbModel.fromJson(json).predict(featureRows([[0]], 1)))).toEqual([1.5]);
  });
});

describe("XgbModel rejects what it cannot evaluate", () => {
  it("an unsupported objective, booster, categorical split or cycle", () => {
    expect(() => XgbModel.fromJson(stumpModel({ objective: "multi:softprob" }))).toThrow(
      /unsupported XGBoost objective/,
    );
    const dart = stumpModel({});
    dart.learner.gradient_booster.name = "dart";
    expect(() => XgbModel.fromJson(dart)).toThrow(XgbModelError);
    const categorical = stumpModel({});
    categorical.learner.gradient_booster.model.trees[0].split_type = [1, 0, 0];
    expect(() => XgbModel.fromJson(categorical)).toThrow(/categorical/);
    const cycle = stumpModel({});
    cycle.learner.gradient_booster.model.trees[0].left_children = [1, 0, -1];
    expect(() => XgbModel.fromJson(cycle)).toThrow(/bad children|twice/);
    expect(() => XgbModel.fromJsonText("{oops")).toThrow(/not JSON/);
  });

  it("rows with the wrong number of features", () => {
    const model = XgbModel.fromJson(stumpModel({}));
    expect(() => model.predict(featureRows([[1, 2]], 2))).toThrow(/expects 1/);
  });
});

describe("featureRowsBySpec", () => {
  it("orders columns by the spec and marks absent features missing", () => {
    const rowsBySpec = featureRowsBySpec(
      ["b", "a", "c"],
      [
        { a: 1, b: 2 },
        { c: 3, z: 9 },
      ],
    );
    expect(Array.from(rowsBySpec.values)).toEqual([2, 1, NaN, NaN, NaN, 3]);
  });
});

/** One tree: x0 < 1 -> -1, else +1. */
function stumpModel(opts: { defaultLeft?: boolean; baseScore?: string; objective?: string }) {
  return {
    version: [1, 7, 4],
    learner: {
      learner_model_param: {
        base_score: opts.baseScore ?? "5E-1",
        num_feature: "1",
        num_class: "0",
        num_target: "1",
      },
      objective: { name: opts.objective ?? "binary:logitraw" },
      gradient_booster: {
        name: "gbtree",
        model: {
          tree_info: [0],
          trees: [
            {
              left_children: [1, -1, -1],
              right_children: [2, -1, -1],
              split_indices: [0, 0, 0],
              split_conditions: [1, -1, 1],
              default_left: [opts.defaultLeft ? 1 : 0, 0, 0],
              split_type: [0, 0, 0],
            },
          ],
        },
      },
    },
  };
}
