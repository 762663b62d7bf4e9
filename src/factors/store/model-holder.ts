import type { Logger } from "../../observability/logger";
import { BackgroundRefresh } from "../../shared/background-refresh";
import type { FactorModel } from "../model";
import type { ModelStore } from "./model-store";

export interface ModelHolderStatus {
  ready: boolean;
  modelVersion?: string;
  /** The last load failure; cleared by the next successful check. */
  error?: string;
}

/**
 * The server's current model: loaded lazily once per process, then checked for a newer `latest`
 * at most every `refreshSeconds`, in the background, so requests keep the model they have while a
 * new one loads. A failed load is reported in `status()` and the last good model stays in service.
 */
export class ModelHolder {
  private readonly latest: BackgroundRefresh<FactorModel | undefined>;

  constructor(
    store: ModelStore,
    refreshSeconds: number,
    log?: Pick<Logger, "info" | "warn">,
    now?: () => number,
  ) {
    this.latest = new BackgroundRefresh(
      async (current) => {
        const version = await store.latestVersion();
        if (version === undefined || version === current?.version) return current;
        const model = await store.load(version);
        log?.info("model loaded", { modelVersion: version, location: store.location });
        return model;
      },
      refreshSeconds,
      (error) =>
        log?.warn("model load failed; serving the previous model", {
          error: (error as Error).message,
          modelVersion: this.latest.held?.version,
        }),
      now,
    );
  }

  /** The model to serve now; never waits. Starts a background check when one is due. */
  current(): FactorModel | undefined {
    return this.latest.peek();
  }

  /** The model, waiting for the first load (or a due check) when there is none yet. */
  load(): Promise<FactorModel | undefined> {
    return this.latest.get();
  }

  /** Checks `latest` now (joining a check already running) and loads it if it is new. */
  refresh(): Promise<FactorModel | undefined> {
    return this.latest.refresh();
  }

  status(): ModelHolderStatus {
    const model = this.latest.held;
    return { ready: model !== undefined, modelVersion: model?.version, error: this.latest.error };
  }
}
