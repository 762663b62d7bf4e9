import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from "@aws-sdk/client-s3";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { parseS3Uri } from "../factors/store/s3-backend";

/** A text file written piece by piece: a local file, or an S3 object. */
export interface TextSink {
  /** Where it ends up: a path or s3://bucket/key. */
  readonly location: string;
  write(text: string): Promise<void>;
  /** Finishes the file; only then does it exist in S3. */
  close(): Promise<void>;
  /** Gives up: nothing half-written is left in S3. */
  abort(): Promise<void>;
}

export interface SinkOptions {
  /** Needed for s3:// folders. */
  s3?: S3Client;
  /** Multipart part size; S3 wants at least 5 MiB for every part but the last. */
  partBytes?: number;
}

const DEFAULT_PART_BYTES = 8 * 1024 * 1024;

/** `name` inside `folder`, a local folder or s3://bucket/prefix. */
export async function openTextSink(
  folder: string,
  name: string,
  options: SinkOptions = {},
): Promise<TextSink> {
  if (!folder.startsWith("s3://")) {
    await mkdir(folder, { recursive: true });
    return new FileSink(path.join(folder, name));
  }
  if (!options.s3) throw new Error(`an S3 client is needed to write to ${folder}`);
  const { bucket, prefix } = parseS3Uri(folder);
  return new S3Sink(options.s3, bucket, prefix ? `${prefix}/${name}` : name, options.partBytes);
}

class FileSink implements TextSink {
  private readonly stream;

  constructor(readonly location: string) {
    this.stream = createWriteStream(location);
  }

  async write(text: string): Promise<void> {
    // Waiting for "drain" keeps memory bounded when the disk is slower than the table.
    if (!this.stream.write(text)) await once(this.stream, "drain");
  }

  async close(): Promise<void> {
    this.stream.end();
    await once(this.stream, "finish");
  }

  async abort(): Promise<void> {
    this.stream.destroy();
    // A half-written file would look like a finished export.
    await rm(this.location, { force: true });
  }
}

/**
 * A multipart upload by hand (@aws-sdk/lib-storage is not a dependency): parts of `partBytes` go out
 * as they fill, so memory holds one part whatever the file's size. A file smaller than one part is
 * one PutObject.
 */
class S3Sink implements TextSink {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private uploadId: string | undefined;
  private readonly parts: CompletedPart[] = [];

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly partBytes = DEFAULT_PART_BYTES,
  ) {}

  get location(): string {
    return `s3://${this.bucket}/${this.key}`;
  }

  async write(text: string): Promise<void> {
    const chunk = Buffer.from(text, "utf8");
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= this.partBytes) await this.sendPart();
  }

  async close(): Promise<void> {
    if (this.uploadId === undefined) {
      const Body = this.take();
      await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body }));
      return;
    }
    if (this.pendingBytes > 0) await this.sendPart();
    await this.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: this.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: this.parts },
      }),
    );
  }

  async abort(): Promise<void> {
    if (this.uploadId === undefined) return;
    // Parts of an unfinished upload are billed until aborted.
    await this.s3.send(
      new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: this.uploadId }),
    );
  }

  private async sendPart(): Promise<void> {
    if (this.uploadId === undefined) {
      const created = await this.s3.send(
        new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key }),
      );
      this.uploadId = created.UploadId;
    }
    const PartNumber = this.parts.length + 1;
    const out = await this.s3.send(
      new UploadPartCommand({
        Bucket: this.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        PartNumber,
        Body: this.take(),
      }),
    );
    this.parts.push({ PartNumber, ETag: out.ETag });
  }

  private take(): Buffer {
    const body = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return body;
  }
}
