import { InputError } from "../domain/errors";
import { EVENT_TYPES, type EventType } from "../domain/vocabulary";

// Printable: no control characters (C0, DEL, C1), no lone surrogates.
const PRINTABLE = /^[^\p{Cc}\p{Cs}]+$/u;
export const MAX_ID_LENGTH = 256;

export function checkId(field: string, value: unknown): string {
  if (typeof value !== "string" || value.length === 0)
    throw new InputError(field, "must be a non-empty string");
  if (value.length > MAX_ID_LENGTH)
    throw new InputError(field, `must be at most ${MAX_ID_LENGTH} characters`);
  if (!PRINTABLE.test(value)) throw new InputError(field, "must contain printable characters only");
  return value;
}

export function checkOptionalText(field: string, value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : checkId(field, value);
}

export function parseEventType(field: string, value: unknown): EventType {
  const normalized = typeof value === "string" ? value.trim().toUpperCase() : "";
  const type = EVENT_TYPES.find((t) => t === normalized);
  if (!type)
    throw new InputError(field, `must be one of ${EVENT_TYPES.map((t) => t.toLowerCase()).join(", ")}`);
  return type;
}

export interface EventFields {
  userId: unknown;
  itemId: unknown;
  type: unknown;
  timestamp?: unknown;
  value?: unknown;
  sessionId?: unknown;
  recommendationId?: unknown;
}

export interface ValidEvent {
  userId: string;
  itemId: string;
  type: EventType;
  timestamp: number;
  weight: number;
  value?: number;
  sessionId?: string;
  recommendationId?: string;
}

export interface EventRules {
  weights: Record<EventType, number>;
  maxFutureSkewSeconds: number;
}

/** Shared by the GraphQL mutations and the CSV importer, so both accept exactly the same events. */
export function validateEvent(input: EventFields, rules: EventRules, now = Date.now()): ValidEvent {
  const userId = checkId("userId", input.userId);
  const itemId = checkId("itemId", input.itemId);
  const type = parseEventType("type", input.type);
  const timestamp =
    input.timestamp === undefined || input.timestamp === null ? now : toEpochMs(input.timestamp);
  if (timestamp > now + rules.maxFutureSkewSeconds * 1000) {
    throw new InputError(
      "timestamp",
      `must not be more than ${rules.maxFutureSkewSeconds / 60} minutes in the future`,
    );
  }
  const value =
    input.value === undefined || input.value === null ? undefined : checkValue(Number(input.value));
  if (type === "RATING" && (value === undefined || value < 0)) {
    throw new InputError("value", "a RATING event needs a non-negative value");
  }
  const weight = type === "RATING" ? value! * rules.weights.RATING : rules.weights[type];
  // The weight is stored too: a rating that fits may still leave the range once weighted.
  if (type === "RATING" && !storable(weight))
    throw new InputError("value", `weighted by ${rules.weights.RATING} it leaves ${VALUE_RANGE}`);
  return {
    userId,
    itemId,
    type,
    timestamp,
    weight,
    value,
    sessionId: checkOptionalText("sessionId", input.sessionId),
    recommendationId: checkOptionalText("recommendationId", input.recommendationId),
  };
}

/**
 * Event numbers go to DynamoDB (magnitudes 1e-130 to 1e126, 38 digits: a double's 17 always fit)
 * through the SDK's marshaller, which refuses integers past 2^53-1 (where doubles stop being exact),
 * and to float32 fields (Personalize's eventValue, up to 3.4e38): so 0, or a magnitude in
 * 1e-130..2^53-1.
 */
const MIN_MAGNITUDE = 1e-130;
const VALUE_RANGE = `0 or a magnitude between 1e-130 and ${Number.MAX_SAFE_INTEGER}`;

function storable(n: number): boolean {
  const magnitude = Math.abs(n);
  return magnitude === 0 || (magnitude >= MIN_MAGNITUDE && magnitude <= Number.MAX_SAFE_INTEGER);
}

function checkValue(value: number): number {
  if (!Number.isFinite(value)) throw new InputError("value", "must be a finite number");
  if (!storable(value)) throw new InputError("value", `must be ${VALUE_RANGE}`);
  return value;
}

/** Unix seconds, unix milliseconds, ISO 8601 strings and Date objects. */
function toEpochMs(value: unknown): number {
  let ms: number;
  if (value instanceof Date) ms = value.getTime();
  else if (typeof value === "number" || (typeof value === "string" && /^\d+(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    ms = n < 1e11 ? n * 1000 : n; // below 1e11 it can only be seconds (1e11 s is year 5138)
  } else if (typeof value === "string") ms = Date.parse(value);
  else ms = NaN;
  if (!Number.isFinite(ms) || ms < 0)
    throw new InputError("timestamp", "must be unix seconds or an ISO 8601 date-time");
  return Math.round(ms);
}
