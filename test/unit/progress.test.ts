import { describe, expect, it } from "vitest";
import { progressPrinter } from "../../src/cli/progress";

function clock() {
  const state = { t: 1_000_000 };
  return { state, now: () => state.t };
}

describe("progressPrinter", () => {
  it("stays silent for a job that ends within 2 s", () => {
    const lines: string[] = [];
    const { state, now } = clock();
    const printer = progressPrinter("rows", { now, write: (l) => lines.push(l) });
    for (let i = 1; i <= 19; i++) {
      state.t += 100;
      printer.update({ rows: i * 1000, bytesRead: i, totalBytes: 20 });
    }
    printer.done();
    expect(lines).toEqual([]);
  });

  it("prints at most every 2 s with rate, percentage and ETA, then a final line", () => {
    const lines: string[] = [];
    const { state, now } = clock();
    const printer = progressPrinter("rows", { now, write: (l) => lines.push(l) });
    state.t += 2000;
    printer.update({ rows: 1_000_000, bytesRead: 25, totalBytes: 100 });
    state.t += 1000;
    printer.update({ rows: 1_500_000, bytesRead: 40, totalBytes: 100 });
    expect(lines).toHaveLength(1);
    // 1,000,000 rows in 2 s with a quarter of the file read: 3 quarters to go, 6 s.
    expect(lines[0]).toBe(`  ${(1_000_000).toLocaleString("en-US")} rows, 500,000 rows/s, 25%, ETA 6 s`);
    state.t += 1000;
    printer.update({ rows: 2_000_000, bytesRead: 50, totalBytes: 100 });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/2,000,000 rows, 500,000 rows\/s, 50%, ETA 4 s$/);
    printer.done();
    expect(lines[2]).toMatch(/^ {2}2,000,000 rows in 4 s, 500,000 rows\/s$/);
  });

  it("leaves out percentage and ETA when the size is unknown", () => {
    const lines: string[] = [];
    const { state, now } = clock();
    const printer = progressPrinter("iterations", { now, write: (l) => lines.push(l) });
    state.t += 4000;
    printer.update({ rows: 10 });
    expect(lines).toEqual(["  10 iterations, 3 iterations/s"]);
  });
});
