import { XgbScoringError } from "./errors";

/**
 * Reads scores in every shape the built-in XGBoost container answers with:
 * - text/csv: "0.1,0.2,0.3" (real-time) or "0.1\n0.2\n" (batch transform);
 * - application/json: {"predictions":[{"score":0.1},...]}, or a bare array from older containers;
 * - application/jsonlines: one {"score":0.1} per line.
 * Selectable inference keys (probability, predicted_score) are read when "score" is absent.
 * Throws XgbScoringError("bad_response") unless exactly `expectedCount` finite scores come back.
 */
export function parseScores(
  body: string,
  contentType: string | undefined,
  expectedCount: number,
): Float64Array {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  const text = body.trim();
  let scores: unknown[];
  try {
    if (type.includes("jsonlines") || type.includes("x-ndjson")) {
      scores = text
        .split(/\r?\n/)
        .filter((line) => line.trim() !== "")
        .flatMap((line) => jsonScores(JSON.parse(line)));
    } else if (type.includes("json") || text.startsWith("{") || text.startsWith("[")) {
      scores = jsonScores(JSON.parse(text));
    } else {
      scores = text === "" ? [] : text.split(/\s*[,\n]\s*/);
    }
  } catch (error) {
    throw badResponse(`cannot parse the ${type || "untyped"} body: ${(error as Error).message}`, body);
  }
  if (scores.length !== expectedCount) {
    throw badResponse(`expected ${expectedCount} scores, got ${scores.length}`, body);
  }
  const out = new Float64Array(expectedCount);
  scores.forEach((score, i) => {
    const value = typeof score === "string" && score.trim() !== "" ? Number(score) : score;
    if (typeof value !== "number" || !Number.isFinite(value))
      throw badResponse(`score ${i} is not a number`, body);
    out[i] = value;
  });
  return out;
}

const SCORE_KEYS = ["score", "probability", "predicted_score"] as const;

function jsonScores(value: unknown): unknown[] {
  if (Array.isArray(value)) return value.map(scoreOf);
  const predictions = (value as { predictions?: unknown } | null)?.predictions;
  if (Array.isArray(predictions)) return predictions.map(scoreOf);
  return [scoreOf(value)];
}

function scoreOf(item: unknown): unknown {
  if (item === null || typeof item !== "object") return item;
  const record = item as Record<string, unknown>;
  const key = SCORE_KEYS.find((k) => k in record);
  return key ? record[key] : undefined;
}

function badResponse(reason: string, body: string): XgbScoringError {
  const excerpt = body.length > 120 ? `${body.slice(0, 120)}...` : body;
  return new XgbScoringError(
    "bad_response",
    `SageMaker endpoint bad response: ${reason} (body: ${JSON.stringify(excerpt)})`,
  );
}
