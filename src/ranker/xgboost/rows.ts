/**
 * Feature rows as the evaluator and the CSV writer read them: one flat row-major Float32Array,
 * NaN where a value is missing. Float32 because XGBoost itself compares features as float32.
 */
export interface FeatureRows {
  readonly values: Float32Array;
  readonly rowCount: number;
  readonly featureCount: number;
}

export type FeatureValue = number | null | undefined;

/** Builds rows from arrays already in feature-spec order; null, undefined and NaN mean missing. */
export function featureRows(rows: ReadonlyArray<ArrayLike<FeatureValue>>, featureCount: number): FeatureRows {
  const values = new Float32Array(rows.length * featureCount);
  rows.forEach((row, r) => {
    if (row.length !== featureCount) {
      throw new RangeError(`row ${r} has ${row.length} values, expected ${featureCount}`);
    }
    for (let f = 0; f < featureCount; f++) values[r * featureCount + f] = row[f] ?? NaN;
  });
  return { values, rowCount: rows.length, featureCount };
}

/**
 * Builds rows from named features in the order of a feature spec, so the column order is the
 * spec's and never the order in which features happen to be stored. Unknown names are ignored.
 */
export function featureRowsBySpec(
  featureNames: readonly string[],
  records: ReadonlyArray<Readonly<Record<string, FeatureValue>>>,
): FeatureRows {
  return featureRows(
    records.map((record) => featureNames.map((name) => record[name])),
    featureNames.length,
  );
}
