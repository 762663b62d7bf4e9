import fs from "node:fs";
import { Readable, pipeline } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { createGunzip } from "node:zlib";
import { parse } from "csv-parse/sync";
import { validateEvent, type EventRules, type ValidEvent } from "./event.validation";
import { InputError } from "../domain/errors";

/** A row that was skipped, or a notice about the file (unused column, repeated id). */
export interface CsvRowError {
  line: number;
  /** The header column concerned, as written in the file. */
  column?: string;
  message: string;
  /** A notice about a row that was still used (a repeated catalog id, an unused column). */
  kept?: boolean;
}

export interface CsvProgress {
  rows: number;
  /** Bytes read from the source: the compressed bytes for a gzip file. */
  bytesRead: number;
  /** The file's size; undefined for a stream. */
  totalBytes?: number;
}

export interface CsvReadOptions {
  /** Bad rows and notices (duplicates, unused columns). */
  onRowError?: (error: CsvRowError) => void;
  onProgress?: (progress: CsvProgress) => void;
  /** Rows per yielded batch, default 1000. */
  batchSize?: number;
  /** For validateEvent. */
  now?: number;
}

/** A quoted field may span at most this many lines and characters (catalog titles); so may a line. */
export const MAX_RECORD_LINES = 20;
export const MAX_RECORD_CHARS = 65_536;

const PARSE_OPTIONS = { relax_column_count: true, relax_quotes: true } as const;

const EVENT_COLUMNS = ["userId", "itemId", "timestamp", "eventType", "rating", "value"];

/**
 * Events CSV (see DESIGN.md): a header row, columns by name in any order: userId, itemId, timestamp,
 * and eventType or rating, optionally value. Yields the valid events in batches; bad rows go to
 * onRowError with their line number and are skipped.
 */
export async function* readEventsCsv(
  source: string | Readable,
  rules: EventRules,
  options: CsvReadOptions = {},
): AsyncGenerator<ValidEvent[]> {
  const now = options.now ?? Date.now();
  const report = options.onRowError ?? (() => {});
  let header!: CsvHeader;
  const rows = readCsvRows(source, EVENT_COLUMNS, false, options, (h) => {
    for (const required of ["userId", "itemId", "timestamp"]) {
      if (!h.has(required)) throw new InputError("csv", `the header has no "${required}" column`);
    }
    if (!h.has("eventType") && !h.has("rating")) {
      throw new InputError("csv", `the header needs an "eventType" or a "rating" column`);
    }
    header = h;
  });
  let batch: ValidEvent[] = [];
  for await (const chunk of rows)
    for (const { line, cells } of chunk) {
      const typed = header.cell(cells, "eventType");
      const rating = header.cell(cells, "rating");
      const fromRating = typed === undefined && rating !== undefined;
      try {
        batch.push(
          validateEvent(
            {
              userId: header.cell(cells, "userId"),
              itemId: header.cell(cells, "itemId"),
              type: typed ?? (fromRating ? "RATING" : undefined),
              timestamp: header.cell(cells, "timestamp") ?? "",
              value: fromRating ? rating : header.cell(cells, "value"),
            },
            rules,
            now,
          ),
        );
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        // validateEvent names its own fields; name the file's column instead.
        const field =
          error.field === "type"
            ? header.has("eventType")
              ? "eventType"
              : "rating"
            : error.field === "value" && fromRating
              ? "rating"
              : error.field;
        report(header.rowError(line, field, error.reason));
      }
      if (batch.length >= (options.batchSize ?? 1000)) {
        yield batch;
        batch = [];
      }
    }
  if (batch.length) yield batch;
}

/** Column names are matched case-insensitively, ignoring "_" and "-" (user_id = userId). */
const normalizeHeader = (name: string): string => name.toLowerCase().replace(/[_-]/g, "");

/** The header's known columns: where they are and how the file spells them. */
export class CsvHeader {
  private readonly columns = new Map<string, { index: number; name: string }>();

  /** All the header's column names, trimmed. */
  readonly names: string[];

  constructor(cells: string[], known: readonly string[], line: number, report: (error: CsvRowError) => void) {
    this.names = cells.map((name) => name.trim());
    const canonical = new Map(known.map((name) => [normalizeHeader(name), name]));
    this.names.forEach((name, index) => {
      const key = canonical.get(normalizeHeader(name));
      const earlier = key && this.columns.get(key);
      if (!key || earlier) {
        const repeats = earlier ? ` (it repeats "${earlier.name}")` : "";
        report({ line, column: name, message: `column "${name}" is not used${repeats}`, kept: true });
      } else this.columns.set(key, { index, name });
    });
  }

  has(name: string): boolean {
    return this.columns.has(name);
  }

  /** The trimmed cell under a known column; undefined when the column is absent or the cell empty. */
  cell(cells: string[], name: string): string | undefined {
    const column = this.columns.get(name);
    return column === undefined ? undefined : cells[column.index]?.trim() || undefined;
  }

  /** A row error naming the column as the file spells it (the known name when the file lacks it). */
  rowError(line: number, name: string, reason: string): CsvRowError {
    const column = this.columns.get(name)?.name ?? name;
    return { line, column, message: `${column}: ${reason}` };
  }
}

/**
 * The data rows of a CSV source, each with as many cells as the header. Rows with fewer or more cells,
 * and lines the framing rejects, go to onRowError; blank lines are skipped. `useHeader` sees the header
 * first and may throw InputError. Reads as a stream: memory does not grow with the file.
 */
export async function* readCsvRows(
  source: string | Readable,
  known: readonly string[],
  multiLine: boolean,
  options: CsvReadOptions,
  useHeader: (header: CsvHeader) => void,
): AsyncGenerator<Array<{ line: number; cells: string[] }>> {
  const report = options.onRowError ?? (() => {});
  const progress: CsvProgress = { rows: 0, bytesRead: 0 };
  const input = await openBytes(source, progress);
  const rejected = new Map<number, string>();
  let header: CsvHeader | undefined;
  try {
    // The framer hands over whole records a chunk at a time, so each chunk is parsed in one synchronous
    // call: an await per record would cost more than the parsing.
    for await (const records of frameLines(multiLine, rejected)(input)) {
      const rows: Array<{ line: number; cells: string[] }> = [];
      for (const text of records) {
        // A line without a quote has no other CSV meaning than its commas; csv-parse reads the rest.
        const record = text.includes('"') ? (parse(text, PARSE_OPTIONS) as string[][])[0]! : text.split(",");
        const line = Number(record[0]);
        const cells = record.slice(1);
        if (!header && record.length === 1) {
          throw new InputError("csv", `line ${line} (the header): ${rejected.get(line)}`);
        } else if (!header) {
          useHeader((header = new CsvHeader(cells, known, line, report)));
          continue;
        }
        progress.rows++;
        if (record.length === 1) report({ line, message: rejected.get(line) ?? "unreadable line" });
        else if (cells.length < header.names.length) {
          const missing = header.names.slice(cells.length).map((name) => `"${name}"`);
          const message = `missing column${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`;
          report({ line, column: header.names[cells.length], message });
        } else if (cells.length > header.names.length) {
          report({
            line,
            message: `${cells.length} cells, but the header has ${header.names.length} columns`,
          });
        } else rows.push({ line, cells });
        rejected.delete(line);
        if (progress.rows % (options.batchSize ?? 1000) === 0) options.onProgress?.({ ...progress });
      }
      if (rows.length > 0) yield rows;
    }
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("Z_")) {
      throw new InputError("csv", `${input.name} is not a readable gzip file: ${(error as Error).message}`);
    }
    throw error;
  } finally {
    input.destroy(); // closes the file when the caller stops early
  }
  if (!header) throw new InputError("csv", `${input.name} is empty`);
  options.onProgress?.({ ...progress });
}

/**
 * The source as a stream of bytes (or text), counting the bytes read into progress.bytesRead, and
 * decompressed when it starts with gzip's magic bytes 1f 8b, whatever the file is called.
 */
async function openBytes(source: string | Readable, progress: CsvProgress) {
  const name = typeof source === "string" ? source : "the input";
  let opened = typeof source === "string" ? undefined : source;
  let chunks: AsyncIterator<Buffer | string>;
  let first: IteratorResult<Buffer | string>;
  try {
    if (typeof source === "string") {
      const file = await fs.promises.open(source);
      opened = file.createReadStream();
      progress.totalBytes = (await file.stat()).size;
    }
    chunks = opened![Symbol.asyncIterator]();
    first = await chunks.next(); // a directory fails here (EISDIR)
  } catch (error) {
    opened?.destroy();
    if (typeof source !== "string") throw error;
    throw new InputError("csv", `cannot read ${source}: ${(error as Error).message}`);
  }
  const head = first.done ? undefined : first.value;
  const gzip = Buffer.isBuffer(head) && head[0] === 0x1f && head[1] === 0x8b;
  async function* counted() {
    try {
      for (let next = first; !next.done; next = await chunks.next()) {
        progress.bytesRead += Buffer.byteLength(next.value);
        yield next.value;
      }
    } finally {
      await chunks.return?.(); // closes the file when the reader stops early
    }
  }
  const stream = Readable.from(counted());
  return Object.assign(gzip ? pipeline(stream, createGunzip(), () => {}) : stream, { name });
}

/**
 * Splits the text into physical lines and hands over well-framed records, a chunk at a time, each
 * prefixed with the number of its first line ("12,u1,i1,..."), or the number alone for a line rejected
 * here (the reason is put in `rejected`). csv-parse alone cannot do this: a quote that opens a field and never
 * closes makes it read the rest of the file as that one field (relax_quotes and
 * skip_records_with_error do not help), so one stray `"` would lose every row after it; and the line
 * numbers it counts are not the file's (each "\r" counts as a line end, and a record spanning lines
 * gets its last line).
 *
 * A line whose quotes do not balance is a bad row in an events file. In a catalog a quoted field may
 * span lines (titles): the following lines are joined until the quote closes, up to MAX_RECORD_LINES
 * lines or MAX_RECORD_CHARS characters; past that, or at the end of the file, the first line is
 * reported as an unmatched quote and reading resumes at the line after it.
 */
function frameLines(multiLine: boolean, rejected: Map<number, string>) {
  return async function* (chunks: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
    const decoder = new StringDecoder("utf8");
    let out: string[] = [];
    let lineNo = 0;
    let rest = ""; // the text after the last line break read so far
    let dropping = false; // skipping the rest of an over-long line
    let pending: string[] = []; // the lines of a record whose quoted field is still open
    let pendingLine = 0;
    let pendingChars = 0;

    const reject = (line: number, reason: string) => {
      rejected.set(line, reason);
      out.push(`${line}`);
    };
    const giveUp = () => {
      const [, ...others] = pending;
      const first = pendingLine;
      pending = [];
      reject(first, "unmatched quote");
      others.forEach((text, i) => take(text, first + 1 + i));
    };
    const take = (text: string, line: number): void => {
      if (text.length > MAX_RECORD_CHARS) {
        while (pending.length > 0) giveUp();
        return reject(line, `line longer than ${MAX_RECORD_CHARS} characters`);
      }
      if (pending.length > 0) {
        pending.push(text);
        pendingChars += text.length + 1;
        if (!endsQuoted(text, true)) {
          out.push(`${pendingLine},${pending.join("\n")}`);
          pending = [];
        } else if (pending.length >= MAX_RECORD_LINES || pendingChars > MAX_RECORD_CHARS) giveUp();
        return;
      }
      if (text.trim() === "") return; // blank line
      // Events: an odd number of quotes is a stray quote even where csv-parse would keep it as text.
      const open =
        text.includes('"') && (endsQuoted(text, false) || (!multiLine && text.split('"').length % 2 === 0));
      if (!open) out.push(`${line},${text}`);
      else if (!multiLine) reject(line, "unmatched quote");
      else [pending, pendingLine, pendingChars] = [[text], line, text.length];
    };
    const physical = (text: string) => {
      lineNo++;
      if (lineNo === 1 && text.startsWith("\uFEFF")) text = text.slice(1); // byte order mark
      if (dropping) dropping = false;
      else take(text.endsWith("\r") ? text.slice(0, -1) : text, lineNo);
    };

    for await (const chunk of chunks) {
      const lines = (rest + (typeof chunk === "string" ? chunk : decoder.write(chunk))).split("\n");
      rest = lines.pop()!;
      lines.forEach(physical);
      if (rest.length > MAX_RECORD_CHARS) {
        // No line break in sight: reject the line now rather than hold an unbounded amount of text.
        if (!dropping) take(rest, lineNo + 1);
        [rest, dropping] = ["", true];
      }
      if (out.length > 0) yield out;
      out = [];
    }
    rest += decoder.end();
    if (rest !== "" || dropping) physical(rest);
    while (pending.length > 0) giveUp();
    if (out.length > 0) yield out;
  };
}

/**
 * Whether the text ends inside a quoted field, reading quotes as csv-parse does with relax_quotes:
 * a quote opens a field only at its start; inside, "" is a quote and any other quote closes it.
 */
function endsQuoted(text: string, quoted: boolean): boolean {
  let fieldStart = !quoted;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === ",") fieldStart = true;
    else {
      quoted = ch === '"' && fieldStart;
      fieldStart = false;
    }
  }
  return quoted;
}
