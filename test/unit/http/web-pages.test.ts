import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../../src/config";
import { createWebPages, type WebRequest } from "../../../src/http/web-pages";

function builtAssets(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "web-assets-"));
  for (const name of ["dashboard.js", "dashboard.css", "graphiql.js", "graphiql.css"])
    fs.writeFileSync(path.join(dir, name), `/* ${name} */`);
  return dir;
}

const get = (p: string, extra: Partial<WebRequest> = {}): WebRequest => ({
  method: "GET",
  path: p,
  search: "",
  accept: "text/html",
  acceptEncoding: undefined,
  ...extra,
});

describe("the gateway's own web pages", () => {
  const dir = builtAssets();

  it("serves the dashboard and GraphiQL locally, with their assets, and nothing else", () => {
    const pages = createWebPages(loadConfig({}), dir);
    const dashboard = pages(get("/dashboard"))!;
    expect(dashboard.status).toBe(200);
    expect(dashboard.headers["content-security-policy"]).toMatch(/default-src 'self'/);
    const html = dashboard.body.toString();
    const script = /src="(\/ui\/dashboard\.js\?v=[0-9a-f]+)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect(pages(get(script!.split("?")[0]!))!.body.toString()).toBe("/* dashboard.js */");

    expect(pages(get("/graphql"))!.body.toString()).toMatch(/ui\/graphiql\.js/);
    // A GET with a query is GraphQL over GET, and a client that does not ask for HTML gets GraphQL too.
    expect(pages(get("/graphql", { search: "?query={health{status}}" }))).toBeUndefined();
    expect(pages(get("/graphql", { accept: "application/json" }))).toBeUndefined();
    expect(pages(get("/graphql", { method: "POST" }))).toBeUndefined();
    expect(pages(get("/ui/../../package.json"))!.status).toBe(404);
    expect(pages(get("/ui/other.js"))!.status).toBe(404);
  });

  it("is off in deployed stages unless DASHBOARD or LANDING_PAGE turn it on", () => {
    const off = createWebPages(loadConfig({ STAGE: "prod" }), dir);
    expect(off(get("/dashboard"))).toBeUndefined();
    expect(off(get("/graphql"))).toBeUndefined();
    expect(off(get("/ui/dashboard.js"))!.status).toBe(404);
    const on = createWebPages(loadConfig({ STAGE: "prod", DASHBOARD: "true", LANDING_PAGE: "sandbox" }), dir);
    expect(on(get("/dashboard"))!.status).toBe(200);
    // Sandbox is Apollo's page: GraphiQL's assets stay unserved.
    expect(on(get("/graphql"))).toBeUndefined();
    expect(on(get("/ui/graphiql.js"))!.status).toBe(404);
  });

  it("sends gzip to clients that accept it", () => {
    const pages = createWebPages(loadConfig({}), dir);
    const zipped = pages(get("/ui/graphiql.css", { acceptEncoding: "gzip, deflate, br" }))!;
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(zipped.body).toString()).toBe("/* graphiql.css */");
    expect(zipped.headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it("says how to build the assets when they are missing", () => {
    const pages = createWebPages(loadConfig({}), fs.mkdtempSync(path.join(os.tmpdir(), "no-assets-")));
    expect(pages(get("/dashboard"))!.body.toString()).toMatch(/npm run build/);
  });
});
