import DataLoader from "dataloader";
import type { App } from "../app";
import type { Logger } from "../observability/logger";
import type { Metrics } from "../observability/metrics";
import type { CatalogItem } from "../store/items.store";

/** Built once per request: DataLoaders must never share their cache between requests. */
export interface GraphQLContext {
  app: App;
  requestId: string;
  log: Logger;
  metrics: Metrics;
  /** Who served each list in this request (read by the request plugin for logs and metrics). */
  served: Array<{ strategy: string; fallbackFrom?: string }>;
  /** From the Idempotency-Key HTTP header, used when the input carries none. */
  idempotencyKey?: string;
  loaders: { items: DataLoader<string, CatalogItem | null> };
}

export function createContext(app: App, requestId: string, idempotencyKey?: string): GraphQLContext {
  const log = app.log.child({ requestId });
  return {
    app,
    requestId,
    log,
    metrics: app.metrics,
    served: [],
    idempotencyKey,
    loaders: {
      items: new DataLoader(async (ids) => (await app.stores.items.getMany(ids)).map((item) => item ?? null)),
    },
  };
}
