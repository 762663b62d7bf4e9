const f32 = Math.fround;

/** How an objective turns base_score into a starting margin and a margin into a prediction. */
export interface Objective {
  readonly name: string;
  /** XGBoost stores base_score in prediction space; this is its ProbToMargin. */
  baseMargin(baseScore: number): number;
  transform(margin: number): number;
}

// XGBoost computes in float32 (logf/expf); rounding each step keeps us within an ulp of it.
function logit(p: number): number {
  return f32(-Math.log(f32(f32(1 / f32(p)) - 1)));
}

function sigmoid(x: number): number {
  return f32(1 / f32(1 + f32(Math.exp(-x))));
}

const identity = (x: number): number => f32(x);

const logistic: Omit<Objective, "name"> = { baseMargin: logit, transform: sigmoid };
const rawMarginLogistic: Omit<Objective, "name"> = { baseMargin: logit, transform: identity };
const squaredError: Omit<Objective, "name"> = { baseMargin: identity, transform: identity };

const OBJECTIVES: Record<string, Omit<Objective, "name">> = {
  "binary:logistic": logistic,
  "reg:logistic": logistic,
  "binary:logitraw": rawMarginLogistic,
  "reg:squarederror": squaredError,
  "reg:linear": squaredError, // the pre-1.0 name of reg:squarederror
};

export const SUPPORTED_OBJECTIVES: readonly string[] = Object.keys(OBJECTIVES);

export function objectiveNamed(name: string): Objective {
  const objective = OBJECTIVES[name];
  if (!objective) {
    throw new Error(
      `unsupported XGBoost objective "${name}" (supported: ${SUPPORTED_OBJECTIVES.join(", ")})`,
    );
  }
  return { name, ...objective };
}
