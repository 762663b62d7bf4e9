import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatCsvValue, rowsToCsvChunks } from "../../../src/ranker/endpoint-csv";
import { parseCsvRows } from "../../../tools/local-sagemaker-endpoint";
import { featureRows, featureRowsBySpec } from "../../../src/ranker/xgboost/rows";

describe("rows to text/csv", () => {
  it("writes rows in spec order, one per line, with empty cells for missing values", () => {
    const spec = ["views", "purchases", "ratio", "category_share"];
    const rows = featureRowsBySpec(spec, [
      { purchases: 2, views: 10, ratio: 0.25 },
      { views: 3, category_share: 0.125, unknown: 7 },
    ]);
    const [chunk] = rowsToCsvChunks(rows);
    expect(chunk.body).toBe("10,2,0.25,\n3,,,0.125");
    expect(chunk).toMatchObject({ firstRow: 0, rowCount: 2 });
  });

  it("formats each float32 so it reads back as the same float32", () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (value) => {
        const f = Math.fround(value);
        // === rather than toBe: -0 is written "0", which compares the same in every split.
        expect(Math.fround(Number(formatCsvValue(f))) === f).toBe(true);
      }),
    );
    expect(formatCsvValue(Math.fround(0.25))).toBe("0.25");
    expect(formatCsvValue(Math.fround(0.1))).toBe("0.100000001");
    expect(formatCsvValue(NaN)).toBe("");
  });

  it("splits many rows into chunks within both limits, keeping order", () => {
    const count = 1000;
    const rows = featureRows(
      Array.from({ length: count }, (_, r) => [r, r % 7 === 0 ? null : r / 3, 0.5]),
      3,
    );
    const limits = { maxBytes: 2_000, maxRows: 150 };
    const chunks = rowsToCsvChunks(rows, limits);
    expect(chunks.length).toBeGreaterThan(count / 150);
    let next = 0;
    for (const chunk of chunks) {
      expect(Buffer.byteLength(chunk.body)).toBeLessThanOrEqual(limits.maxBytes);
      expect(chunk.rowCount).toBeLessThanOrEqual(limits.maxRows);
      expect(chunk.firstRow).toBe(next);
      const back = parseCsvRows(chunk.body, 3);
      expect(back.rowCount).toBe(chunk.rowCount);
      expect(back.values[0]).toBe(next); // the first column is the row number
      next += chunk.rowCount;
    }
    expect(next).toBe(count);
  });

  it("refuses a single row larger than the byte limit", () => {
    const rows = featureRows([[1.2345, 2.3456, 3.4567]], 3);
    expect(() => rowsToCsvChunks(rows, { maxBytes: 10, maxRows: 10 })).toThrow(RangeError);
  });
});

describe("text/csv to rows", () => {
  it("reads empty cells and nan as missing, tolerates CRLF and a trailing newline", () => {
    const rows = parseCsvRows("1,,3\r\nnan,2.5,0\n", 3);
    expect(Array.from(rows.values)).toEqual([1, NaN, 3, NaN, 2.5, 0]);
  });

  it("names the bad line or cell", () => {
    expect(() => parseCsvRows("1,2\n1,2,3", 2)).toThrow(/line 2 has 3 columns/);
    expect(() => parseCsvRows("1,abc", 2)).toThrow(/column 2: "abc"/);
    expect(() => parseCsvRows("", 2)).toThrow(/no rows/);
  });
});
