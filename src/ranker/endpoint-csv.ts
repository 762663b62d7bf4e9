import type { FeatureRows } from "./xgboost/rows";

/** InvokeEndpoint refuses bodies over 6 MB; the defaults stay well under it. */
export interface CsvChunkLimits {
  maxBytes: number;
  maxRows: number;
}

export const DEFAULT_CSV_CHUNK_LIMITS: CsvChunkLimits = { maxBytes: 4 * 1024 * 1024, maxRows: 1000 };

export interface CsvChunk {
  /** Rows `firstRow` .. `firstRow + rowCount - 1` of the input, one per line. */
  body: string;
  firstRow: number;
  rowCount: number;
}

/**
 * Nine significant digits always read back as the same float32, so the endpoint sees exactly the
 * value the in-process evaluator sees (toPrecision is also the fastest exact formatting in V8).
 * A missing value is an empty cell, as the built-in XGBoost container expects.
 */
export function formatCsvValue(value: number): string {
  if (value !== value) return "";
  if (Number.isInteger(value)) return String(value);
  const text = value.toPrecision(9);
  return text.includes("e") ? text : text.replace(/\.?0+$/, "");
}

/** One CSV line per row, features in the rows' (feature-spec) order, no label column. */
function csvLine(rows: FeatureRows, row: number): string {
  const cells = new Array<string>(rows.featureCount);
  const base = row * rows.featureCount;
  for (let f = 0; f < rows.featureCount; f++) cells[f] = formatCsvValue(rows.values[base + f]);
  return cells.join(",");
}

/** Splits rows into `text/csv` bodies, each within both limits, in row order. */
export function rowsToCsvChunks(
  rows: FeatureRows,
  limits: CsvChunkLimits = DEFAULT_CSV_CHUNK_LIMITS,
): CsvChunk[] {
  const chunks: CsvChunk[] = [];
  let lines: string[] = [];
  let bytes = 0;
  let firstRow = 0;
  const flush = (): void => {
    if (lines.length) chunks.push({ body: lines.join("\n"), firstRow, rowCount: lines.length });
    firstRow += lines.length;
    lines = [];
    bytes = 0;
  };
  for (let r = 0; r < rows.rowCount; r++) {
    const line = csvLine(rows, r); // ASCII only, so length is the byte count
    if (line.length > limits.maxBytes) {
      throw new RangeError(
        `row ${r} needs ${line.length} bytes of CSV, over the ${limits.maxBytes}-byte chunk limit`,
      );
    }
    // +1 for the newline that joins it to the previous line
    if (lines.length && (lines.length >= limits.maxRows || bytes + 1 + line.length > limits.maxBytes))
      flush();
    bytes += (lines.length ? 1 : 0) + line.length;
    lines.push(line);
  }
  flush();
  return chunks;
}
