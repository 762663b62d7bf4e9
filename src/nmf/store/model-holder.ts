import type { Logger } from "../../observability/logger";
import type { NmfModel } from "../model";
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
  private model: NmfModel | undefined;
  private error: string | undefined;
  private checkedAt = -Infinity;
  private inFlight: Promise<NmfModel | undefined> | undefined;

  constructor(
    private readonly store: ModelStore,
    private readonly refreshSeconds: number,
    private readonly log?: Pick<Logger, "info" | "warn">,
    private readonly now: () => number = Date.now,
  ) {}

  /** The model to serve now; never waits. Starts a background check when one is due. */
  current(): NmfModel | undefined {
    if (this.due()) void this.refresh();
    return this.model;
  }

  /** The model, waiting for the first load (or a due check) when there is none yet. */
  async load(): Promise<NmfModel | undefined> {
    if (this.model) return this.current();
    return this.due() ? this.refresh() : (this.inFlight ?? this.model);
  }

  /** Checks `latest` now (joining a check already running) and loads it if it is new. */
  refresh(): Promise<NmfModel | undefined> {
    this.inFlight ??= this.check().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  status(): ModelHolderStatus {
    return { ready: this.model !== undefined, modelVersion: this.model?.version, error: this.error };
  }

  private due(): boolean {
    return this.inFlight === undefined && this.now() - this.checkedAt >= this.refreshSeconds * 1000;
  }

  private async check(): Promise<NmfModel | undefined> {
    this.checkedAt = this.now();
    try {
      const version = await this.store.latestVersion();
      if (version !== undefined && version !== this.model?.version) {
        this.model = await this.store.load(version);
        this.log?.info("model loaded", { modelVersion: version, location: this.store.location });
      }
      this.error = undefined;
    } catch (error) {
      this.error = (error as Error).message;
      this.log?.warn("model load failed; serving the previous model", {
        error: this.error,
        modelVersion: this.model?.version,
      });
    }
    return this.model;
  }
}
