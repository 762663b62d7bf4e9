import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import type { BlobBackend } from "./model-store";

export interface S3Location {
  bucket: string;
  prefix: string;
}

/** "s3://bucket/some/prefix" -> { bucket, prefix: "some/prefix" } */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1]!, prefix: match[2]!.replace(/\/+$/, "") };
}

/** Artifacts under an S3 prefix; a PUT is atomic per object, which is all the store needs. */
export class S3Backend implements BlobBackend {
  constructor(
    private readonly client: S3Client,
    private readonly where: S3Location,
  ) {}

  get location(): string {
    return `s3://${this.where.bucket}/${this.where.prefix}`;
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.where.bucket, Key: this.keyOf(key) }),
      );
      return out.Body ? Buffer.from(await out.Body.transformToByteArray()) : undefined;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === "NoSuchKey") return undefined;
      throw error;
    }
  }

  async write(key: string, data: Buffer): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.where.bucket, Key: this.keyOf(key), Body: data }),
    );
  }

  async listVersions(): Promise<string[]> {
    const base = this.keyOf("");
    const versions: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.where.bucket,
          Prefix: base,
          Delimiter: "/",
          ContinuationToken: token,
        }),
      );
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) versions.push(p.Prefix.slice(base.length, -1));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return versions;
  }

  async removeVersion(version: string): Promise<void> {
    const listed = await this.client.send(
      new ListObjectsV2Command({ Bucket: this.where.bucket, Prefix: this.keyOf(`${version}/`) }),
    );
    const objects = (listed.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
    if (objects.length === 0) return;
    await this.client.send(
      new DeleteObjectsCommand({ Bucket: this.where.bucket, Delete: { Objects: objects } }),
    );
  }

  private keyOf(key: string): string {
    return this.where.prefix ? `${this.where.prefix}/${key}` : key;
  }
}
