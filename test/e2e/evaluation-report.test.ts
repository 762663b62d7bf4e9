import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { evaluationHtml, evaluationTable, METRICS, type Evaluation } from "../../src/cli/evaluation-report";
import { launchBrowser, offlinePage } from "../support/browser";

const metricsAt = (k: number, level: number) => ({
  k,
  users: 40,
  precision: level / k,
  recall: level / 10,
  ndcg: level / 8,
  map: level / 12,
  coverage: level / 5,
});

const evaluation: Evaluation = {
  train: 900,
  test: 300,
  users: 40,
  ks: [5, 10, 20],
  strategies: [
    { name: "POPULAR", metrics: [5, 10, 20].map((k) => metricsAt(k, 0.5)) },
    {
      name: "NMF",
      params: { components: 8 },
      trainingSeconds: 0.2,
      metrics: [5, 10, 20].map((k) => metricsAt(k, 0.7)),
    },
    {
      name: "ALS",
      params: { components: 8 },
      trainingSeconds: 0.3,
      metrics: [5, 10, 20].map((k) => metricsAt(k, 0.9)),
    },
  ],
  comparisons: [
    { k: 10, strategy: "POPULAR", best: "ALS", difference: -0.05, lower: -0.07, upper: -0.03 },
    { k: 10, strategy: "NMF", best: "ALS", difference: -0.025, lower: -0.06, upper: 0.01 },
  ],
};

/** What the test reads of an SVG polyline (this project's TypeScript has no DOM library). */
interface Polyline {
  points: { numberOfItems: number } & Iterable<{ y: number }>;
  getTotalLength(): number;
}

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("the evaluation report", () => {
  it("names nothing outside the file, and draws one chart per metric with a line per strategy in Chromium", async () => {
    const html = evaluationHtml(evaluation);
    expect(html).not.toMatch(/https?:|\bsrc=|\bhref=|@import|url\(/i);

    const { page, blocked, errors } = await offlinePage(browser);
    await page.setContent(html, { waitUntil: "load" });
    const charts = await page.$$eval("svg.chart", (svgs) =>
      svgs.map((svg) => ({
        metric: svg.getAttribute("data-metric"),
        width: svg.getBoundingClientRect().width,
        series: [...svg.querySelectorAll("polyline.series")].map((line) => ({
          strategy: line.getAttribute("data-strategy"),
          points: (line as unknown as Polyline).points.numberOfItems,
          length: (line as unknown as Polyline).getTotalLength(),
        })),
      })),
    );
    expect(charts.map((c) => c.metric)).toEqual([...METRICS]);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(100);
      expect(chart.series.map((s) => s.strategy)).toEqual(["POPULAR", "NMF", "ALS"]);
      for (const series of chart.series) {
        expect(series.points).toBe(3);
        expect(series.length).toBeGreaterThan(10);
      }
    }
    // A better strategy's line is drawn higher (smaller y) at every k.
    const heights = await page.$eval('svg[data-metric="ndcg"]', (svg) =>
      [...svg.querySelectorAll("polyline.series")].map((line) =>
        [...(line as unknown as Polyline).points].map((p) => p.y),
      ),
    );
    for (let at = 0; at < 3; at++) {
      expect(heights[2]![at]!).toBeLessThan(heights[1]![at]!);
      expect(heights[1]![at]!).toBeLessThan(heights[0]![at]!);
    }
    expect(await page.locator("table:not(.comparisons) tbody tr").count()).toBe(9);
    // Against the best: a gap whose interval holds 0 is called a tie.
    expect(await page.locator("table.comparisons tbody tr").allInnerTexts()).toEqual([
      "POPULAR - ALS\t10\t-0.0500\t-0.0700 to -0.0300\tlower",
      "NMF - ALS\t10\t-0.0250\t-0.0600 to +0.0100\ta tie",
    ]);
    expect(evaluationTable(evaluation)).toContain(
      "k=10    NMF - ALS       -0.0250 [-0.0600, +0.0100]  a tie",
    );
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
  });
});
