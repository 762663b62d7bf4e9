import { InputError, validateEvent, type EventRules, type ValidEvent } from "./event.validation";

export interface CsvRowError {
  line: number;
  message: string;
}

export interface ParsedEvents {
  events: ValidEvent[];
  errors: CsvRowError[];
}

/** Column names are matched case-insensitively, ignoring "_" and "-" (user_id = userId). */
export const normalizeHeader = (name: string): string => name.trim().toLowerCase().replace(/[_-]/g, "");

/**
 * Events CSV (see DESIGN.md): a header row, columns by name in any order: userId, itemId, timestamp,
 * and eventType or rating, optionally value. Rows that fail validation are reported with their line
 * number and skipped; the rest are returned.
 */
export function parseEventsCsv(text: string, rules: EventRules, now = Date.now()): ParsedEvents {
  const rows = splitCsv(text);
  const header = rows.shift();
  if (!header) throw new InputError("csv", "the file is empty");
  const columns = new Map(header.cells.map((name, index) => [normalizeHeader(name), index]));
  const col = (name: string) => columns.get(name.toLowerCase());
  for (const required of ["userId", "itemId", "timestamp"]) {
    if (col(required) === undefined) throw new InputError("csv", `the header has no "${required}" column`);
  }
  const typeCol = col("eventType");
  const ratingCol = col("rating");
  if (typeCol === undefined && ratingCol === undefined) {
    throw new InputError("csv", `the header needs an "eventType" or a "rating" column`);
  }
  const valueCol = col("value");

  const events: ValidEvent[] = [];
  const errors: CsvRowError[] = [];
  for (const { line, cells } of rows) {
    if (cells.length === 1 && cells[0] === "") continue; // blank line
    const cell = (index: number | undefined) =>
      index === undefined ? undefined : cells[index]?.trim() || undefined;
    const rating = cell(ratingCol);
    const typed = cell(typeCol);
    try {
      events.push(
        validateEvent(
          {
            userId: cell(col("userId")),
            itemId: cell(col("itemId")),
            type: typed ?? (rating !== undefined ? "RATING" : undefined),
            timestamp: cell(col("timestamp")) ?? "",
            value: typed === undefined && rating !== undefined ? rating : cell(valueCol),
          },
          rules,
          now,
        ),
      );
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      errors.push({ line, message: error.message });
    }
  }
  return { events, errors };
}

export interface CsvRow {
  line: number;
  cells: string[];
}

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks. */
export function splitCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === "\n") line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === "") quoted = true;
    else if (ch === ",") {
      cells.push(cell);
      cell = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      cells.push(cell);
      rows.push({ line: rowLine, cells });
      cells = [];
      cell = "";
      rowLine = ++line;
    } else cell += ch;
  }
  if (cell !== "" || cells.length) {
    cells.push(cell);
    rows.push({ line: rowLine, cells });
  }
  return rows;
}
