import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { Config } from "../config";

/**
 * The browser pages the gateway serves itself: the dashboard (/dashboard) and GraphiQL (GET /graphql
 * from a browser). Their scripts and styles are built by `node scripts/build.mjs web` into dist/web and
 * served from /ui/: nothing loads from another origin, which the Content-Security-Policy enforces.
 * The pages hold no data: everything they show comes from /graphql, behind API_KEYS like any query.
 */

export const DASHBOARD_PATH = "/dashboard";
export const ASSET_PREFIX = "/ui/";

export interface WebRequest {
  method: string;
  path: string;
  search: string;
  accept: string | undefined;
  acceptEncoding: string | undefined;
}

export interface WebResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
};

const SECURITY_HEADERS = {
  // GraphiQL and Chart.js set inline styles; scripts, fetches, fonts and images stay on this origin.
  "content-security-policy":
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

/** Built files of each page (dist/web), next to the Lambda bundle or under dist/ from the sources. */
const PAGES = {
  dashboard: { title: "Recommendation gateway: dashboard", script: "dashboard.js", style: "dashboard.css" },
  graphiql: { title: "Recommendation gateway: GraphiQL", script: "graphiql.js", style: "graphiql.css" },
} as const;
type PageName = keyof typeof PAGES;

export function webAssetsDir(): string {
  const candidates = [path.join(__dirname, "web"), path.join(__dirname, "..", "..", "dist", "web")];
  return candidates.find((dir) => fs.existsSync(path.join(dir, "dashboard.js"))) ?? candidates[1]!;
}

interface Asset {
  type: string;
  plain: Buffer;
  gzipped: Buffer;
  etag: string;
}

/** Answers a request for a page or one of its assets, or undefined when it is not one (GraphQL goes on). */
export function createWebPages(config: Pick<Config, "dashboard" | "graphql">, dir = webAssetsDir()) {
  const enabled = new Set<PageName>();
  if (config.dashboard) enabled.add("dashboard");
  if (config.graphql.landingPage === "graphiql") enabled.add("graphiql");
  const files = new Map<string, Asset>();

  // Read once per process, on first use: the Lambda's cold start never pays for a page nobody opens.
  // A missing file is looked for again next time, so a build while the server runs is picked up.
  const asset = (name: string): Asset | undefined => {
    const cached = files.get(name);
    if (cached) return cached;
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return undefined;
    const found = toAsset(fs.readFileSync(file), TYPES[path.extname(name)]!);
    files.set(name, found);
    return found;
  };

  const page = (name: PageName): Asset => {
    const { title, script, style } = PAGES[name];
    const js = asset(script);
    const css = asset(style);
    const body =
      js && css
        ? `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
          `<meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>` +
          `<link rel="stylesheet" href="${ASSET_PREFIX}${style}?v=${css.etag}"></head>` +
          `<body><div id="root"></div><script src="${ASSET_PREFIX}${script}?v=${js.etag}"></script></body></html>`
        : `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body>` +
          `<p>The page's scripts are not built: run <code>npm run build</code> (or <code>npm ci</code>), then reload.</p>` +
          `</body></html>`;
    return toAsset(Buffer.from(body), TYPES[".html"]!);
  };

  const assetNames = new Set<string>([...enabled].flatMap((name) => [PAGES[name].script, PAGES[name].style]));

  return (request: WebRequest): WebResponse | undefined => {
    if (request.method !== "GET" && request.method !== "HEAD") return undefined;
    let found: Asset | undefined;
    if (
      enabled.has("dashboard") &&
      (request.path === DASHBOARD_PATH || request.path === `${DASHBOARD_PATH}/`)
    ) {
      found = page("dashboard");
    } else if (
      enabled.has("graphiql") &&
      request.path === "/graphql" &&
      request.accept?.includes("text/html") &&
      !new URLSearchParams(request.search).has("query")
    ) {
      found = page("graphiql");
    } else if (request.path.startsWith(ASSET_PREFIX)) {
      const name = request.path.slice(ASSET_PREFIX.length);
      found = assetNames.has(name) ? asset(name) : undefined;
      if (!found)
        return { status: 404, headers: { "content-type": "text/plain" }, body: Buffer.from("not found") };
    } else {
      return undefined;
    }
    const gzip = /\bgzip\b/.test(request.acceptEncoding ?? "");
    return {
      status: 200,
      headers: {
        ...SECURITY_HEADERS,
        "content-type": found.type,
        // Revalidated on every load; the pages name their assets with a content hash (?v=), so a cache
        // never mixes a new page with an old script.
        "cache-control": "no-cache",
        etag: `"${found.etag}"`,
        vary: "accept-encoding",
        ...(gzip ? { "content-encoding": "gzip" } : {}),
      },
      body: request.method === "HEAD" ? Buffer.alloc(0) : gzip ? found.gzipped : found.plain,
    };
  };
}

function toAsset(plain: Buffer, type: string): Asset {
  return {
    type,
    plain,
    gzipped: gzipSync(plain),
    etag: createHash("sha256").update(plain).digest("hex").slice(0, 16),
  };
}
