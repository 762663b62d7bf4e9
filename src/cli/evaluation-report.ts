import type { RankingMetrics } from "../factors/model";
import { describeSettings } from "../jobs/train";
import { formatInterval, pairedDifference, signed } from "../stats/paired";

/** One strategy's figures in an evaluation: its settings, training time and metrics at each k. */
export interface StrategyEvaluation {
  name: string;
  params?: Record<string, number>;
  trainingSeconds?: number;
  metrics: RankingMetrics[];
}

/** A strategy's NDCG@k minus the best strategy's at that k, per user, with its 95% interval. */
export interface NdcgComparison {
  k: number;
  strategy: string;
  best: string;
  difference: number;
  lower: number;
  upper: number;
}

export interface Evaluation {
  train: number;
  test: number;
  users: number;
  ks: number[];
  strategies: StrategyEvaluation[];
  comparisons: NdcgComparison[];
}

/**
 * Each strategy against the best at each k, from every strategy's per-user NDCG
 * (`perUserNdcg[at][user]`, the users in the same order for all): whether a gap is larger than the
 * users' spread makes it.
 */
export function compareWithBest(
  ks: readonly number[],
  strategies: ReadonlyArray<{ name: string; metrics: RankingMetrics[]; perUserNdcg: number[][] }>,
): NdcgComparison[] {
  return ks.flatMap((k, at) => {
    const best = strategies.reduce((a, b) => (b.metrics[at]!.ndcg > a.metrics[at]!.ndcg ? b : a));
    return strategies
      .filter((s) => s !== best)
      .map((s) => {
        const { mean, lower, upper } = pairedDifference(best.perUserNdcg[at]!, s.perUserNdcg[at]!);
        return { k, strategy: s.name, best: best.name, difference: mean, lower, upper };
      });
  });
}

/** "a tie" when the interval holds 0: the data cannot tell the two apart. */
function verdict(c: NdcgComparison): string {
  return c.upper < 0 ? "lower" : "a tie";
}

export const METRICS = ["precision", "recall", "ndcg", "map", "coverage"] as const;

/** The table the command prints: one block per k, a column per strategy. */
export function evaluationTable(evaluation: Evaluation): string {
  const names = evaluation.strategies.map((s) => s.name);
  const lines: string[] = [];
  evaluation.ks.forEach((k, at) => {
    lines.push(`k=${k}`.padEnd(14) + names.map((name) => name.padStart(12)).join(""));
    for (const metric of METRICS) {
      const label = metric === "coverage" ? metric : `${metric}@${k}`;
      const cells = evaluation.strategies.map((s) => s.metrics[at]![metric].toFixed(4).padStart(12));
      lines.push(label.padEnd(14) + cells.join(""));
    }
    lines.push("");
  });
  if (evaluation.comparisons.length) {
    lines.push(`NDCG@k against the best, per user over ${evaluation.users} users (95% interval):`);
    for (const c of evaluation.comparisons)
      lines.push(
        `k=${c.k}`.padEnd(8) +
          `${c.strategy} - ${c.best}`.padEnd(16) +
          `${formatInterval(c.difference, c.lower, c.upper)}  ${verdict(c)}`,
      );
    lines.push("");
  }
  return lines.join("\n");
}

const PALETTE = ["#6b7280", "#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed"];
const WIDTH = 360;
const HEIGHT = 220;
const PAD = { left: 48, right: 12, top: 28, bottom: 32 };

/**
 * A report that opens anywhere without a network: the charts are inline SVG drawn here (metric
 * against k, a line per strategy), no script, no stylesheet or font from elsewhere.
 */
export function evaluationHtml(evaluation: Evaluation, title = "Offline evaluation"): string {
  const charts = METRICS.map((metric) => chart(evaluation, metric)).join("\n");
  const legend = evaluation.strategies
    .map((s, i) => `<span class="key"><i style="background:${colour(i)}"></i>${escape(s.name)}</span>`)
    .join(" ");
  const rows = evaluation.strategies
    .flatMap((s) =>
      s.metrics.map(
        (m) =>
          `<tr><td>${escape(s.name)}</td><td>${m.k}</td>${METRICS.map((metric) => `<td>${m[metric].toFixed(4)}</td>`).join("")}</tr>`,
      ),
    )
    .join("\n");
  const comparisons = evaluation.comparisons
    .map(
      (c) =>
        `<tr><td>${escape(c.strategy)} - ${escape(c.best)}</td><td>${c.k}</td><td>${signed(c.difference)}</td><td>${signed(c.lower)} to ${signed(c.upper)}</td><td>${verdict(c)}</td></tr>`,
    )
    .join("\n");
  const settings = evaluation.strategies
    .filter((s) => s.params)
    .map(
      (s) =>
        `<li>${escape(s.name)}: ${escape(describeSettings(s.params!))}; trained in ${(s.trainingSeconds ?? 0).toFixed(2)} s</li>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body{font:14px system-ui,sans-serif;margin:24px;color:#111}
.charts{display:flex;flex-wrap:wrap;gap:16px}
figure{margin:0}
table{border-collapse:collapse;margin-top:16px}
td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
.key{margin-right:12px}.key i{display:inline-block;width:12px;height:12px;margin-right:4px}
</style></head>
<body>
<h1>${escape(title)}</h1>
<p>${evaluation.train} train and ${evaluation.test} held-out interactions; ${evaluation.users} users evaluated.
Binary relevance: every item a user did not interact with in train is ranked.</p>
<p>${legend}</p>
<div class="charts">
${charts}
</div>
<table><thead><tr><th>strategy</th><th>k</th>${METRICS.map((m) => `<th>${m}</th>`).join("")}</tr></thead>
<tbody>
${rows}
</tbody></table>
<table class="comparisons"><caption>NDCG@k against the best strategy, per user (95% interval)</caption>
<thead><tr><th>strategy</th><th>k</th><th>difference</th><th>interval</th><th>verdict</th></tr></thead>
<tbody>
${comparisons}
</tbody></table>
<ul>
${settings}
</ul>
</body></html>
`;
}

/** One metric against k: an axis, a polyline and a dot per point for each strategy. */
function chart(evaluation: Evaluation, metric: (typeof METRICS)[number]): string {
  const { ks, strategies } = evaluation;
  const top = Math.max(1e-9, ...strategies.flatMap((s) => s.metrics.map((m) => m[metric]))) * 1.1;
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const x = (at: number) => PAD.left + (ks.length === 1 ? plotWidth / 2 : (at / (ks.length - 1)) * plotWidth);
  const y = (value: number) => PAD.top + plotHeight - (value / top) * plotHeight;
  const lines = strategies
    .map((s, i) => {
      const points = s.metrics.map((m, at) => `${x(at).toFixed(1)},${y(m[metric]).toFixed(1)}`);
      const dots = points.map((p) => {
        const [cx, cy] = p.split(",");
        return `<circle cx="${cx}" cy="${cy}" r="3" fill="${colour(i)}"/>`;
      });
      return `<polyline class="series" data-strategy="${escape(s.name)}" fill="none" stroke="${colour(i)}" stroke-width="2" points="${points.join(" ")}"/>${dots.join("")}`;
    })
    .join("\n");
  const ticks = ks
    .map((k, at) => `<text x="${x(at).toFixed(1)}" y="${HEIGHT - 12}" text-anchor="middle">${k}</text>`)
    .join("");
  const scale = [0, 0.5, 1]
    .map(
      (f) =>
        `<text x="${PAD.left - 6}" y="${(y(top * f) + 4).toFixed(1)}" text-anchor="end">${(top * f).toFixed(2)}</text>`,
    )
    .join("");
  return `<figure><svg class="chart" data-metric="${metric}" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-size="11" role="img" aria-label="${metric} against k">
<text x="${PAD.left}" y="16" font-weight="bold">${metric === "coverage" ? metric : `${metric}@k`}</text>
<line x1="${PAD.left}" y1="${PAD.top + plotHeight}" x2="${WIDTH - PAD.right}" y2="${PAD.top + plotHeight}" stroke="#999"/>
<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + plotHeight}" stroke="#999"/>
${ticks}${scale}
${lines}
</svg></figure>`;
}

function colour(index: number): string {
  return PALETTE[index % PALETTE.length]!;
}

function escape(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}
