import { describe, expect, it } from "vitest";
import { XgbScoringError } from "../../../src/ranker/errors";
import { parseScores } from "../../../src/ranker/endpoint-response";

const want = [0.1, 0.25, 0.9];

describe("parseScores reads every format the XGBoost container returns", () => {
  it.each([
    ["comma-separated text/csv", "text/csv; charset=utf-8", "0.1,0.25,0.9"],
    ["newline-separated (batch transform)", "text/csv", "0.1\n0.25\n0.9\n"],
    ["JSON predictions", "application/json", '{"predictions":[{"score":0.1},{"score":0.25},{"score":0.9}]}'],
    ["JSON bare array (older containers)", "application/json", "[0.1,0.25,0.9]"],
    ["JSON lines", "application/jsonlines", '{"score":0.1}\n{"score":0.25}\n{"score":0.9}\n'],
    [
      "selectable inference JSON",
      "application/json",
      '{"predictions":[{"probability":0.1},{"probability":0.25},{"probability":0.9}]}',
    ],
    [
      "JSON without a content type",
      undefined,
      '{"predictions":[{"score":0.1},{"score":0.25},{"score":0.9}]}',
    ],
  ])("%s", (_label, contentType, body) => {
    expect(Array.from(parseScores(body, contentType, 3))).toEqual(want);
  });

  it.each([
    ["too few scores", "text/csv", "0.1,0.2", /expected 3 scores, got 2/],
    ["too many scores", "text/csv", "0.1,0.2,0.3,0.4", /expected 3 scores, got 4/],
    ["not numbers", "text/csv", "0.1,oops,0.3", /score 1 is not a number/],
    ["an empty cell", "text/csv", "0.1,,0.3", /score 1 is not a number/],
    ["broken JSON", "application/json", '{"predictions":[', /cannot parse/],
    [
      "JSON without scores",
      "application/json",
      '{"predictions":[{"label":1},{"label":0},{"label":1}]}',
      /score 0/,
    ],
    ["an HTML error page", "text/html", "<html>oops</html>", /expected 3 scores, got 1/],
  ])("rejects %s as bad_response", (_label, contentType, body, message) => {
    let caught: unknown;
    try {
      parseScores(body, contentType, 3);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(XgbScoringError);
    expect((caught as XgbScoringError).kind).toBe("bad_response");
    expect((caught as Error).message).toMatch(message);
  });
});
