import DataLoader from "dataloader";
import type { App } from "../app";
import type { ObservedContext } from "../observability/request-plugin";
import type { CatalogItem } from "../store/items.store";

/** Built once per request: DataLoaders must never share their cache between requests. */
export interface GraphQLContext extends ObservedContext {
  app: App;
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
    logName: (userId) => app.secrets.logName(userId),
    idempotencyKey,
    loaders: {
      items: new DataLoader(async (ids) => (await app.stores.items.getMany(ids)).map((item) => item ?? null)),
    },
  };
}
