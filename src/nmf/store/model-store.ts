import type { NmfModel } from "../model";
import { decodeModel, encodeModel, MANIFEST_FILE, ModelLoadError } from "./artifact";

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
  constructor(private readonly backend: BlobBackend) {}

  get location(): string {
    return this.backend.location;
  }

  /** Writes the artifact (the manifest last, so a reader never sees half a model); returns its size in bytes. */
  async save(model: NmfModel): Promise<number> {
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

  /** Every stored version, newest first (complete or not). */
  async versions(): Promise<string[]> {
    return (await this.backend.listVersions()).sort().reverse();
  }

  async load(version: string): Promise<NmfModel> {
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
    return decodeModel(version, manifest, (name) => this.backend.read(`${version}/${name}`));
  }

  async loadLatest(): Promise<NmfModel | undefined> {
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
