// GraphiQL from the installed packages, bundled into dist/web/graphiql.{js,css}: no CDN, so the IDE works
// on a network that cannot reach one. It talks to this gateway's own /graphql.
import { GraphiQL } from "graphiql";
import "graphiql/style.css";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import "./page.css";

const DEFAULT_QUERY = `# Ask for recommendations; Ctrl-Enter runs the query.
query {
  recommendations(userId: "user-0001", k: 5) {
    recommendationId strategy variant modelVersion
    items { itemId score rank item { title category } }
  }
}
`;

type Params = Record<string, unknown>;

async function fetcher(params: Params, options?: { headers?: Record<string, string> }) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...(options?.headers ?? {}) },
    body: JSON.stringify(params),
  });
  return response.json();
}

createRoot(document.getElementById("root")!).render(
  createElement(GraphiQL, {
    fetcher,
    defaultQuery: DEFAULT_QUERY,
    // With API_KEYS set, put the key here: { "x-api-key": "..." }.
    defaultHeaders: "{}",
  }),
);
