import type { StoredEvent } from "../store/events.store";
import type { CatalogItem } from "../store/items.store";
import { openTextSink, type SinkOptions, type TextSink } from "../shared/text-sink";
import { personalizeEventType } from "./event-forwarder";
import schemas from "./schemas.json";

/**
 * The gateway's history as Amazon Personalize's bulk import wants it: an Item interactions CSV and
 * an Items CSV with a header row naming the schema's fields, and the two Avro schemas as JSON.
 * User ids are written as the events table stores them: when USER_ID_HMAC_KEY is set they are
 * already pseudonymised (Ingestion does it before storing), which is also what the strategy sends
 * to GetRecommendations and what the event forwarder sends to PutEvents.
 */

export const PERSONALIZE_FILES = {
  interactions: "interactions.csv",
  items: "items.csv",
  interactionsSchema: "interactions.schema.json",
  itemsSchema: "items.schema.json",
} as const;

/** Personalize's documented minimum to train: interactions, and users with 2+ interactions each. */
export const MIN_INTERACTIONS = 1000;
export const MIN_REPEAT_USERS = 25;
/** Personalize refuses an import with a categorical value longer than this. */
const MAX_CATEGORICAL_CHARS = 1000;
/** ...and textual values longer than this. */
const MAX_TEXTUAL_CHARS = 20_000;

export interface PersonalizeExportSources {
  events: { scan(): AsyncGenerator<StoredEvent[]> };
  items: { scan(): AsyncGenerator<CatalogItem[]> };
}

export interface PersonalizeExportResult {
  interactions: number;
  items: number;
  /** Users with at least two interactions, counted up to MIN_REPEAT_USERS only. */
  repeatUsers: number;
  /** Why Personalize would refuse to train on this data; empty when the minimums are met. */
  shortfalls: string[];
  files: string[];
}

export async function exportPersonalize(
  sources: PersonalizeExportSources,
  folder: string,
  options: SinkOptions = {},
): Promise<PersonalizeExportResult> {
  const out = folder.replace(/\/+$/, "");
  const files: string[] = [];
  const write = async (name: string, fill: (sink: TextSink) => Promise<void>): Promise<void> => {
    const sink = await openTextSink(out, name, options);
    try {
      await fill(sink);
      await sink.close();
    } catch (error) {
      await sink.abort().catch(() => undefined);
      throw error;
    }
    files.push(sink.location);
  };

  const check = new MinimumCheck();
  await write(PERSONALIZE_FILES.interactions, async (sink) => {
    await sink.write(header(schemas.interactions));
    for await (const page of sources.events.scan()) {
      if (page.length === 0) continue;
      for (const event of page) check.add(event.userId);
      await sink.write(page.map(interactionLine).join(""));
    }
  });
  let items = 0;
  await write(PERSONALIZE_FILES.items, async (sink) => {
    await sink.write(header(schemas.items));
    for await (const page of sources.items.scan()) {
      if (page.length === 0) continue;
      items += page.length;
      await sink.write(page.map(itemLine).join(""));
    }
  });
  await write(PERSONALIZE_FILES.interactionsSchema, (sink) =>
    sink.write(`${JSON.stringify(schemas.interactions, null, 2)}\n`),
  );
  await write(PERSONALIZE_FILES.itemsSchema, (sink) =>
    sink.write(`${JSON.stringify(schemas.items, null, 2)}\n`),
  );
  return {
    interactions: check.interactions,
    items,
    repeatUsers: check.repeatUsers,
    shortfalls: check.shortfalls(),
    files,
  };
}

/** Field names of a schema, in its order: the CSV header Personalize matches columns by. */
function header(schema: { fields: Array<{ name: string }> }): string {
  return `${schema.fields.map((f) => f.name).join(",")}\n`;
}

/** USER_ID, ITEM_ID, TIMESTAMP (seconds), EVENT_TYPE (the forwarder's names), EVENT_VALUE (empty = null). */
function interactionLine(event: StoredEvent): string {
  return `${[
    csvCell(event.userId),
    csvCell(event.itemId),
    Math.floor(event.timestamp / 1000),
    personalizeEventType(event.type),
    event.value ?? "",
  ].join(",")}\n`;
}

/** ITEM_ID, CATEGORY, PRICE, TITLE. */
function itemLine(item: CatalogItem): string {
  return `${[
    csvCell(item.itemId),
    csvCell(item.category?.slice(0, MAX_CATEGORICAL_CHARS)),
    typeof item.price === "number" && Number.isFinite(item.price) ? item.price : "",
    csvCell(item.title?.slice(0, MAX_TEXTUAL_CHARS)),
  ].join(",")}\n`;
}

/**
 * RFC 4180 quoting is all Personalize's CSV reader needs, and all this file's values need: a tiny
 * escaper is smaller than a CSV-writing dependency (the project has csv-parse for reading only).
 */
export function csvCell(value: string | undefined): string {
  if (value === undefined) return "";
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * Counts interactions, and users with two or more of them. Memory: the users seen once so far, and
 * only until MIN_REPEAT_USERS repeat users are found; after that nothing per user is kept.
 */
class MinimumCheck {
  interactions = 0;
  private once: Set<string> | undefined = new Set();
  private readonly repeat = new Set<string>();

  add(userId: string): void {
    this.interactions++;
    if (!this.once || this.repeat.has(userId)) return;
    if (!this.once.has(userId)) {
      this.once.add(userId);
      return;
    }
    this.repeat.add(userId);
    if (this.repeat.size >= MIN_REPEAT_USERS) this.once = undefined;
  }

  get repeatUsers(): number {
    return this.repeat.size;
  }

  shortfalls(): string[] {
    const problems: string[] = [];
    if (this.interactions < MIN_INTERACTIONS)
      problems.push(`${this.interactions} interactions; Personalize needs at least ${MIN_INTERACTIONS}`);
    if (this.repeat.size < MIN_REPEAT_USERS)
      problems.push(
        `${this.repeat.size} users with 2 or more interactions; Personalize needs at least ${MIN_REPEAT_USERS}`,
      );
    return problems;
  }
}
