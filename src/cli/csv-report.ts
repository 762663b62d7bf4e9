import { createHash } from "node:crypto";
import fs from "node:fs";
import { pipeline } from "node:stream/promises";
import type { CsvRowError } from "../events/csv";
import { InputError } from "../domain/errors";

const SHOWN = 20;

/** Prints the first problems of a CSV as they come, and sums up the rest by column at the end. */
export class RowReport {
  skipped = 0;
  private shown = 0;
  private readonly byColumn = new Map<string, number>();

  constructor(private readonly file: string) {}

  readonly onRowError = (e: CsvRowError): void => {
    if (!e.kept) {
      this.skipped++;
      const column = e.column ?? "unreadable row";
      this.byColumn.set(column, (this.byColumn.get(column) ?? 0) + 1);
    }
    if (this.shown++ < SHOWN) {
      const column = e.column && !e.message.startsWith(`${e.column}:`) ? `${e.column}: ` : "";
      console.error(`${this.file}:${e.line}: ${column}${e.message}${e.kept ? "" : " (skipped)"}`);
    }
  };

  /** "12 rows skipped (timestamp 10, unreadable row 2)", or "" when none were. */
  summary(): string {
    if (this.skipped === 0) return "no rows skipped";
    const reasons = [...this.byColumn].sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`);
    return `${this.skipped} rows skipped (${reasons.join(", ")}; the first ${SHOWN} are listed above)`;
  }
}

/** SHA-256 of a file's bytes, streamed: the identity of an import, whatever the file is called. */
export async function fileDigest(path: string): Promise<string> {
  const hash = createHash("sha256");
  try {
    await pipeline(fs.createReadStream(path), hash);
  } catch (error) {
    throw new InputError("csv", `cannot read ${path}: ${(error as Error).message}`);
  }
  return hash.digest("base64url");
}
