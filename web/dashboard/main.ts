// The operator dashboard: health and breakers, model versions with their validation metrics, the A/B
// readout with intervals, and an explorer of every strategy's lists. Plain DOM and Chart.js, bundled into
// dist/web/dashboard.{js,css}; every figure comes from this gateway's own /graphql (typed operations from
// schema/operations, so a schema change that breaks the page fails the type check).
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";
import { print } from "graphql";
import {
  HealthDocument,
  ModelVersionsDocument,
  RecommendationsDocument,
  RecordEventDocument,
  RelatedItemsDocument,
  StrategyReportDocument,
  type HealthQuery,
  type ModelFamily,
  type RecommendationListFieldsFragment,
  type StrategyReportQuery,
} from "../../src/generated/operations";
import "./dashboard.css";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Legend,
  Tooltip,
);
Chart.defaults.animation = false;

const KEY_STORAGE = "recs-api-key";
type Strategy = HealthQuery["health"]["strategies"][number]["name"];
type List = RecommendationListFieldsFragment;

class GraphQLRequestError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

/** POST to /graphql; the API key (when API_KEYS is set) is asked for once and kept for the tab. */
async function gql<R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
  const key = sessionStorage.getItem(KEY_STORAGE);
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { "x-api-key": key } : {}) },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as {
    data?: R;
    errors?: Array<{ message: string; extensions?: { code?: string } }>;
  };
  const error = body.errors?.[0];
  if (error) {
    if (error.extensions?.code === "UNAUTHENTICATED") askForKey();
    throw new GraphQLRequestError(error.message, error.extensions?.code);
  }
  return body.data!;
}

/** Tiny element builder: el("td", { class: "x" }, "text", child). */
function el(tag: string, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

const fmt = (n: number, digits = 4) => (Number.isFinite(n) ? n.toFixed(digits) : "—");
const pct = (n: number) => `${(n * 100).toFixed(2)}%`;

const root = document.getElementById("root")!;
const header = el(
  "header",
  {},
  el("h1", {}, "Recommendation gateway"),
  el("span", { id: "stage" }),
  el("a", { href: "/graphql" }, "GraphiQL"),
);
const sections = {
  health: el("section", { id: "health" }, el("h2", {}, "Health and circuit breakers")),
  models: el("section", { id: "models" }, el("h2", {}, "Model versions (NDCG@10 on the held-out split)")),
  ab: el("section", { id: "ab" }, el("h2", {}, "A/B readout")),
  explorer: el("section", { id: "explorer" }, el("h2", {}, "Explorer")),
};
root.append(header, ...Object.values(sections));

function askForKey(): void {
  if (document.getElementById("key-form")) return;
  const input = el("input", {
    id: "api-key",
    type: "password",
    placeholder: "x-api-key",
  }) as HTMLInputElement;
  const form = el(
    "form",
    { id: "key-form" },
    "This gateway needs an API key: ",
    input,
    el("button", {}, "Use key"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY_STORAGE, input.value);
    form.remove();
    void refresh();
  });
  header.after(form);
}

/** Replaces a section's content below its heading. */
function fill(section: HTMLElement, ...content: Node[]): void {
  while (section.childNodes.length > 1) section.lastChild!.remove();
  section.append(...content);
}

function failed(section: HTMLElement, error: unknown): void {
  fill(section, el("p", { class: "error" }, `Could not load: ${(error as Error).message}`));
}

const charts = new Map<string, { destroy(): void }>();
/** A chart in a fresh canvas; data-points tells tests (and people reading the DOM) how much it drew. */
function chart(id: string, config: ChartConfiguration, points: number): HTMLElement {
  charts.get(id)?.destroy();
  const canvas = el("canvas", { id, "data-points": String(points) }) as HTMLCanvasElement;
  const box = el("div", { class: "chart" }, canvas);
  // Chart.js measures its parent: draw once the box is in the document.
  requestAnimationFrame(() => charts.set(id, new Chart(canvas, config)));
  return box;
}

let strategies: HealthQuery["health"]["strategies"] = [];

async function loadHealth(): Promise<void> {
  const { health } = await gql(HealthDocument, {});
  strategies = health.strategies;
  document.getElementById("stage")!.textContent =
    `stage ${health.stage} · version ${health.version} · default ${health.defaultStrategy} · up ${health.uptimeSeconds} s`;
  const rows = health.strategies.map((s) =>
    el(
      "tr",
      { "data-strategy": s.name },
      el("td", {}, s.name),
      el("td", {}, s.configured ? "yes" : "no"),
      el("td", { class: s.ready ? "ok" : "bad" }, s.ready ? "ready" : "not ready"),
      el("td", { class: `circuit ${s.circuit}` }, s.circuit),
      el("td", {}, s.modelVersion ?? ""),
      el("td", {}, s.detail ?? ""),
    ),
  );
  fill(
    sections.health,
    el("p", { class: `status ${health.status}` }, `Status: ${health.status}`),
    el(
      "table",
      {},
      el(
        "tr",
        {},
        ...["strategy", "configured", "ready", "circuit", "model", "detail"].map((h) => el("th", {}, h)),
      ),
      ...rows,
    ),
  );
}

/** Colour of each family's line in the model chart. */
const FAMILY_COLOURS: Record<ModelFamily, string> = { NMF: "#2563eb", ALS: "#16a34a", EASE: "#d97706" };

async function loadModels(): Promise<void> {
  const families = Object.keys(FAMILY_COLOURS) as ModelFamily[];
  const lists = await Promise.all(families.map((family) => gql(ModelVersionsDocument, { family })));
  const modelVersions = lists
    .flatMap((list) => list.modelVersions)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const oldestFirst = [...modelVersions].reverse();
  const labels = oldestFirst.map((m) => m.createdAt.slice(0, 19).replace("T", " "));
  const graph = chart(
    "models-chart",
    {
      type: "line",
      data: {
        labels,
        datasets: [
          // One line per family over all versions in time order; spanGaps joins a family's points.
          ...families.map((family) => ({
            label: `${family} NDCG@10`,
            data: oldestFirst.map((m) => (m.family === family ? (m.candidate?.ndcg ?? null) : null)),
            borderColor: FAMILY_COLOURS[family],
            backgroundColor: FAMILY_COLOURS[family],
            spanGaps: true,
          })),
          {
            label: "popularity NDCG@10",
            data: oldestFirst.map((m) => m.popularity?.ndcg ?? null),
            borderColor: "#9ca3af",
            backgroundColor: "#9ca3af",
            borderDash: [4, 4],
          },
        ],
      },
      options: { maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
    },
    oldestFirst.length,
  );
  const table = el(
    "table",
    {},
    el(
      "tr",
      {},
      ...[
        "family",
        "version",
        "trained",
        "users × items",
        "interactions",
        "NDCG@10",
        "recall@10",
        "coverage",
        "gate",
      ].map((h) => el("th", {}, h)),
    ),
    ...modelVersions.map((m) =>
      el(
        "tr",
        { class: m.latest ? "latest" : "", "data-family": m.family },
        el("td", {}, m.family),
        el("td", {}, m.version + (m.latest ? " (latest)" : "")),
        el("td", {}, m.createdAt),
        el("td", {}, `${m.users} × ${m.items}`),
        el("td", {}, String(m.interactions)),
        el("td", {}, m.candidate ? fmt(m.candidate.ndcg) : "—"),
        el("td", {}, m.candidate ? fmt(m.candidate.recall) : "—"),
        el("td", {}, m.candidate ? fmt(m.candidate.coverage) : "—"),
        el("td", {}, m.gateReason ?? "not validated"),
      ),
    ),
  );
  fill(sections.models, modelVersions.length ? graph : el("p", {}, "No model trained yet."), table);
}

type Comparison = StrategyReportQuery["strategyReport"]["comparisons"][number];
type EventComparison = Comparison["events"][number];

function verdict(e: EventComparison): string {
  if (!e.sampleReached) return "collecting: sample below the minimum";
  if (!e.significant) return "no significant difference";
  return e.difference > 0 ? "better than control" : "worse than control";
}

const abForm = {
  days: el("input", { id: "ab-days", type: "number", min: "1", max: "90", value: "7" }) as HTMLInputElement,
  control: el("input", { id: "ab-control", placeholder: "first RECS_AB variant" }) as HTMLInputElement,
  mde: el("input", {
    id: "ab-mde",
    type: "number",
    step: "0.01",
    min: "0.01",
    value: "0.1",
  }) as HTMLInputElement,
};

async function loadAb(): Promise<void> {
  const { strategyReport: report } = await gql(StrategyReportDocument, {
    days: Number(abForm.days.value) || 7,
    control: abForm.control.value.trim() || null,
    minimumDetectableEffect: Number(abForm.mde.value) || 0.1,
  });
  const form = el(
    "form",
    { class: "inline" },
    el("label", {}, "days ", abForm.days),
    el("label", {}, "control ", abForm.control),
    el("label", {}, "minimum detectable effect ", abForm.mde),
    el("button", {}, "Update"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void loadAb().catch((error) => failed(sections.ab, error));
  });
  const served = el(
    "table",
    { id: "ab-rows" },
    el("tr", {}, ...["strategy", "variant", "lists served", "events (rate)"].map((h) => el("th", {}, h))),
    ...report.rows.map((r) =>
      el(
        "tr",
        {},
        el("td", {}, r.strategy),
        el("td", {}, r.variant),
        el("td", {}, String(r.served)),
        el("td", {}, r.events.map((e) => `${e.type} ${e.count} (${pct(e.rate)})`).join(", ")),
      ),
    ),
  );
  const { alpha, power, minimumDetectableEffect } = report.test;
  const note = el(
    "p",
    { class: "note" },
    `${report.from} to ${report.to}. Control: ${report.control ?? "none (set RECS_AB or name one)"}. ` +
      `Two-proportion z-test, ${(1 - alpha) * 100}% intervals of the difference in rate; fixed horizon: ` +
      `read it once both arms have the lists needed for a ${pct(minimumDetectableEffect)} lift at ${power * 100}% power.`,
  );
  const pairs = report.comparisons.flatMap((c) => c.events.map((e) => ({ variant: c.variant, ...e })));
  const colour = (e: EventComparison) =>
    !e.sampleReached || !e.significant ? "#9ca3af" : e.difference > 0 ? "#16a34a" : "#dc2626";
  const graph = chart(
    "ab-chart",
    {
      type: "bar",
      data: {
        labels: pairs.map((p) => `${p.variant} ${p.type}`),
        datasets: [
          {
            type: "bar",
            label: "difference in rate, confidence interval",
            data: pairs.map((p) => [p.lower, p.upper] as [number, number]),
            backgroundColor: pairs.map((p) => `${colour(p)}66`),
            borderColor: pairs.map(colour),
            borderWidth: 1,
            barPercentage: 0.3,
          },
          {
            type: "line",
            label: "observed difference",
            data: pairs.map((p) => p.difference),
            showLine: false,
            pointRadius: 5,
            borderColor: "#111827",
            backgroundColor: "#111827",
          },
        ],
      },
      options: {
        maintainAspectRatio: false,
        scales: { y: { title: { display: true, text: `rate − control's rate` } } },
      },
    },
    pairs.length,
  );
  const table = el(
    "table",
    { id: "ab-comparisons" },
    el(
      "tr",
      {},
      ...[
        "variant",
        "event",
        "control rate",
        "rate",
        "difference [interval]",
        "p-value",
        "lists / needed",
        "reading",
      ].map((h) => el("th", {}, h)),
    ),
    ...report.comparisons.flatMap((c) =>
      c.events.map((e) =>
        el(
          "tr",
          {},
          el("td", {}, c.variant),
          el("td", {}, e.type),
          el("td", {}, pct(e.controlRate)),
          el("td", {}, pct(e.rate)),
          el("td", {}, `${fmt(e.difference)} [${fmt(e.lower)}, ${fmt(e.upper)}]`),
          el("td", {}, fmt(e.pValue)),
          el("td", {}, `${Math.min(c.served, c.controlServed)} / ${e.requiredPerVariant ?? "—"}`),
          el("td", { class: "verdict" }, verdict(e)),
        ),
      ),
    ),
  );
  fill(
    sections.ab,
    form,
    note,
    pairs.length ? graph : el("p", {}, "No variant to compare yet."),
    table,
    served,
  );
}

const explorer = {
  mode: el(
    "select",
    { id: "explore-mode" },
    el("option", { value: "user" }, "user"),
    el("option", { value: "item" }, "item"),
  ) as HTMLSelectElement,
  id: el("input", { id: "explore-id", value: "user-0001" }) as HTMLInputElement,
  k: el("input", { id: "explore-k", type: "number", min: "1", max: "100", value: "10" }) as HTMLInputElement,
  eventType: el(
    "select",
    { id: "explore-event-type" },
    ...["PURCHASE", "ADD_TO_CART", "VIEW"].map((t) => el("option", { value: t }, t)),
  ) as HTMLSelectElement,
  lists: el("div", { id: "explore-lists", class: "lists" }),
};

/** One column per configured strategy; without strategy overrides (deployed stages) the routed list only. */
async function explore(): Promise<void> {
  const id = explorer.id.value.trim();
  const k = Number(explorer.k.value) || 10;
  if (!id) return;
  const byUser = explorer.mode.value === "user";
  const names: Array<Strategy | null> = strategies.filter((s) => s.configured).map((s) => s.name);
  const lists = await Promise.all(
    names.map(async (strategy) => {
      try {
        return byUser
          ? (await gql(RecommendationsDocument, { userId: id, k, strategy })).recommendations
          : (await gql(RelatedItemsDocument, { itemId: id, k, strategy })).relatedItems;
      } catch (error) {
        return error as Error;
      }
    }),
  );
  if (lists.every((l) => l instanceof GraphQLRequestError && l.code === "BAD_USER_INPUT")) {
    const routed = byUser
      ? (await gql(RecommendationsDocument, { userId: id, k })).recommendations
      : (await gql(RelatedItemsDocument, { itemId: id, k })).relatedItems;
    names.splice(0, names.length, null);
    lists.splice(0, lists.length, routed);
  }
  explorer.lists.replaceChildren(
    ...lists.map((list, i) => column(names[i] ?? null, list, byUser ? id : undefined)),
  );
}

function column(asked: Strategy | null, list: List | Error, userId: string | undefined): HTMLElement {
  const title = el("h3", {}, asked ?? "routed");
  if (list instanceof Error)
    return el(
      "div",
      { class: "list", "data-strategy": asked ?? "routed" },
      title,
      el("p", { class: "error" }, list.message),
    );
  const answered = list.fallbackFrom
    ? `answered by ${list.strategy} (fallback from ${list.fallbackFrom})`
    : `answered by ${list.strategy}`;
  const items = list.items.map((scored) => {
    const row = el(
      "li",
      { "data-item": scored.itemId },
      el("span", { class: "title" }, scored.item?.title ?? "(not in catalog)"),
      el("span", { class: "category" }, scored.item?.category ?? ""),
      el("span", { class: "id" }, `${scored.itemId} · ${fmt(scored.score, 3)}`),
    );
    if (userId) {
      const record = el(
        "button",
        { class: "record", title: "record a test event for this user and item" },
        "record",
      );
      record.addEventListener("click", () => {
        void gql(RecordEventDocument, {
          input: {
            userId,
            itemId: scored.itemId,
            type: explorer.eventType.value as "PURCHASE",
            recommendationId: list.recommendationId,
          },
        })
          .then(() => explore())
          .catch((error) => explorer.lists.prepend(el("p", { class: "error" }, (error as Error).message)));
      });
      row.append(record);
    }
    return row;
  });
  return el(
    "div",
    { class: "list", "data-strategy": asked ?? "routed" },
    title,
    el(
      "p",
      { class: "note" },
      `${answered} · variant ${list.variant}${list.modelVersion ? ` · model ${list.modelVersion}` : ""}`,
    ),
    el("ol", {}, ...items),
  );
}

function setUpExplorer(): void {
  const form = el(
    "form",
    { class: "inline" },
    el("label", {}, "by ", explorer.mode),
    el("label", {}, "id ", explorer.id),
    el("label", {}, "k ", explorer.k),
    el("button", { id: "explore" }, "Show lists"),
    el("label", {}, "test event ", explorer.eventType),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void explore().catch((error) => failed(sections.explorer, error));
  });
  fill(
    sections.explorer,
    form,
    el("p", { class: "note" }, "Recording a test event writes a real event for that user."),
    explorer.lists,
  );
}

async function refresh(): Promise<void> {
  await loadHealth().catch((error) => failed(sections.health, error));
  await Promise.all([
    loadModels().catch((error) => failed(sections.models, error)),
    loadAb().catch((error) => failed(sections.ab, error)),
  ]);
  setUpExplorer();
  document.body.dataset.loaded = "true";
}

void refresh();
