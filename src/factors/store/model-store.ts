import { VERSION_NAME, type ModelFamily } from "../family";
import type { FactorModel, ModelManifest } from "../model";
import { decodeModel, encodeModel, MANIFEST_FILE, ModelLoadError } from "./artifact";

/** A version's manifest without its id maps: what a history of trainings needs. */
export type ManifestSummary = Omit<ModelManifest, "userIds" | "itemIds" | "itemCategories"> & {
  latest: boolean;
};

/** Where artifacts live: a folder or an S3 prefix. Keys are "version/file" or "latest". */
export interface BlobBackend {
  readonly location: string;
  read(key: string): Promise<Buffer | undefined>;
  /** A reader sees either the whole new content or the old one, never a part. */
  write(key: string, data: Buffer): Promise<void>;
  /** Names of the version folders. */
  listVersions(): Promise<string[]>;
  removeVersion(version: string): Promise<void>;
}

const LATEST = "latest";

/**
 * Versioned model artifacts: binary files first, then the manifest that lists them with checksums,
 * and only then (on promote) the `latest` pointer, so a reader never sees half a model.
 * Version names sort by creation time.
 */
export class ModelStore {
  /** A version's manifest never changes, and carries every id of the model: read each one once. */
  private readonly summaries = new Map<string, Omit<ManifestSummary, "latest">>();

  constructor(
    private readonly backend: BlobBackend,
    readonly family: ModelFamily,
  ) {}

  get location(): string {
    return this.backend.location;
  }

  /** Writes the artifact (the manifest last, so a reader never sees half a model); returns its size in bytes. */
  async save(model: FactorModel): Promise<number> {
    const { files, manifest } = encodeModel(model);
    let bytes = manifest.length;
    for (const [name, data] of files) {
      await this.backend.write(`${model.version}/${name}`, data);
      bytes += data.length;
    }
    await this.backend.write(`${model.version}/${MANIFEST_FILE}`, manifest);
    return bytes;
  }

  async promote(version: string): Promise<void> {
    if (!(await this.backend.read(`${version}/${MANIFEST_FILE}`))) {
      throw new ModelLoadError(
        `cannot promote ${version}: no complete model of that version in ${this.location}`,
      );
    }
    await this.backend.write(LATEST, Buffer.from(JSON.stringify({ version })));
  }

  async latestVersion(): Promise<string | undefined> {
    const pointer = await this.backend.read(LATEST);
    if (!pointer) return undefined;
    try {
      const { version } = JSON.parse(pointer.toString("utf8")) as { version?: unknown };
      if (typeof version === "string" && version) return version;
    } catch {
      // reported below
    }
    throw new ModelLoadError(`the latest pointer in ${this.location} is corrupt`);
  }

  /** Every stored version, newest first (complete or not); other folders (another family's store) are not versions. */
  async versions(): Promise<string[]> {
    const names = await this.backend.listVersions();
    return names
      .filter((name) => VERSION_NAME.test(name))
      .sort()
      .reverse();
  }

  /** The manifests of the stored versions, newest first; incomplete versions (no manifest) are left out. */
  async history(): Promise<ManifestSummary[]> {
    const [versions, latest] = await Promise.all([
      this.versions(),
      this.latestVersion().catch(() => undefined),
    ]);
    const summaries = await Promise.all(versions.map((v) => this.summary(v)));
    return summaries.flatMap((s) => (s ? [{ ...s, latest: s.version === latest }] : []));
  }

  /** The manifest `latest` points at (without the id lists), or undefined when there is none. */
  async latestSummary(): Promise<Omit<ManifestSummary, "latest"> | undefined> {
    const version = await this.latestVersion();
    return version === undefined ? undefined : this.summary(version);
  }

  private async summary(version: string): Promise<Omit<ManifestSummary, "latest"> | undefined> {
    const known = this.summaries.get(version);
    if (known) return known;
    const bytes = await this.backend.read(`${version}/${MANIFEST_FILE}`).catch(() => undefined);
    if (!bytes) return undefined;
    try {
      const manifest = JSON.parse(bytes.toString("utf8")) as ModelManifest;
      const { userIds: _u, itemIds: _i, itemCategories: _c, ...summary } = manifest;
      this.summaries.set(version, summary);
      return summary;
    } catch {
      return undefined;
    }
  }

  async load(version: string): Promise<FactorModel> {
    let manifest: Buffer | undefined;
    try {
      manifest = await this.backend.read(`${version}/${MANIFEST_FILE}`);
    } catch (error) {
      throw new ModelLoadError(
        `model ${version}: cannot read from ${this.location}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (!manifest) throw new ModelLoadError(`model ${version} not found (or incomplete) in ${this.location}`);
    return decodeModel(this.family, version, manifest, (name) => this.backend.read(`${version}/${name}`));
  }

  async loadLatest(): Promise<FactorModel | undefined> {
    const version = await this.latestVersion();
    return version === undefined ? undefined : this.load(version);
  }

  /** Keeps the newest `keep` versions and always the one `latest` points at; returns the removed ones. */
  async prune(keep: number): Promise<string[]> {
    const latest = await this.latestVersion().catch(() => undefined);
    const removed = (await this.versions()).slice(Math.max(0, keep)).filter((v) => v !== latest);
    for (const version of removed) await this.backend.removeVersion(version);
    return removed;
  }
}
