import { createHash } from "node:crypto";
import type { ModelFamily } from "../family";
import { FactorModel, type ModelManifest } from "../model";

/** One binary file of an artifact, as listed in its manifest so a reader can verify it. */
export interface ArtifactFile {
  name: string;
  bytes: number;
  sha256: string;
}

export type StoredManifest = ModelManifest & { files: ArtifactFile[] };

export const MANIFEST_FILE = "manifest.json";
const USER_FACTORS = "user-factors.f32";
const ITEM_FACTORS = "item-factors.f32";

/** Thrown when a model cannot be read: missing, incomplete or corrupt. */
export class ModelLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ModelLoadError";
  }
}

/** The binary files of a model (little-endian typed arrays) and the manifest that lists them last. */
export function encodeModel(model: FactorModel): { files: Map<string, Buffer>; manifest: Buffer } {
  const { userFactors, itemFactors } = model.arrays;
  const files = new Map<string, Buffer>([
    [USER_FACTORS, bytesOf(userFactors)],
    [ITEM_FACTORS, bytesOf(itemFactors)],
  ]);
  const listed = [...files].map(([name, data]) => ({ name, bytes: data.length, sha256: sha256(data) }));
  const manifest: StoredManifest = { ...model.manifest, files: listed };
  return { files, manifest: Buffer.from(JSON.stringify(manifest)) };
}

/** Parses and checks a manifest; `read` fetches a listed file (undefined when missing). */
export async function decodeModel(
  family: ModelFamily,
  version: string,
  manifestBytes: Buffer,
  read: (name: string) => Promise<Buffer | undefined>,
): Promise<FactorModel> {
  let manifest: StoredManifest;
  try {
    manifest = JSON.parse(manifestBytes.toString("utf8")) as StoredManifest;
  } catch (error) {
    throw new ModelLoadError(`model ${version}: manifest is not valid JSON`, { cause: error });
  }
  if (manifest.format !== 1 || manifest.version !== version || !Array.isArray(manifest.files)) {
    throw new ModelLoadError(`model ${version}: manifest is not a format-1 manifest of this version`);
  }
  // Models saved before ALS existed carry no family: they are NMF.
  manifest.family ??= "NMF";
  if (manifest.family !== family.name) {
    throw new ModelLoadError(`model ${version} is an ${manifest.family} model, not ${family.name}`);
  }
  const data = new Map<string, Buffer>();
  // Models saved before related items were scored on demand also list neighbour files: not read.
  for (const file of manifest.files.filter((f) => f.name === USER_FACTORS || f.name === ITEM_FACTORS)) {
    const bytes = await read(file.name);
    if (!bytes) throw new ModelLoadError(`model ${version}: file ${file.name} is missing`);
    if (bytes.length !== file.bytes || sha256(bytes) !== file.sha256) {
      throw new ModelLoadError(`model ${version}: file ${file.name} is corrupt (size or checksum mismatch)`);
    }
    data.set(file.name, bytes);
  }
  // neighboursPerItem: a field of those older manifests, no longer meaningful.
  const {
    files: _files,
    neighboursPerItem: _perItem,
    ...plain
  } = manifest as StoredManifest & {
    neighboursPerItem?: number;
  };
  try {
    return new FactorModel(
      plain,
      {
        userFactors: new Float32Array(aligned(data, USER_FACTORS)),
        itemFactors: new Float32Array(aligned(data, ITEM_FACTORS)),
      },
      family,
    );
  } catch (error) {
    throw new ModelLoadError(`model ${version}: ${(error as Error).message}`, { cause: error });
  }
}

function bytesOf(array: Float32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

/** A fresh, aligned copy: a Buffer may sit at any offset of a shared pool. */
function aligned(data: Map<string, Buffer>, name: string): ArrayBuffer {
  const bytes = data.get(name);
  if (!bytes) throw new Error(`file ${name} is not listed in the manifest`);
  const copy = new ArrayBuffer(bytes.length);
  new Uint8Array(copy).set(bytes);
  return copy;
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}
