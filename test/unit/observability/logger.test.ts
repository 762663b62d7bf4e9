import { describe, expect, it } from "vitest";
import { Logger } from "../../../src/observability/logger";

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, log: new Logger("info", { service: "t" }, (line) => lines.push(JSON.parse(line))) };
}

describe("Logger", () => {
  it("logs an error with its name, message, code, stack and whole chain of causes", () => {
    const { lines, log } = capture();
    const root = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const middle = new TypeError("fetch failed", { cause: root });
    log.error("strategy failed", { error: new Error("PERSONALIZE unavailable", { cause: middle }) });

    const error = lines[0]!.error as Record<string, unknown>;
    expect(error).toMatchObject({ name: "Error", message: "PERSONALIZE unavailable" });
    expect(error.stack).toEqual(expect.stringContaining("logger.test.ts"));
    const cause = error.cause as Record<string, unknown>;
    expect(cause).toMatchObject({ name: "TypeError", message: "fetch failed" });
    expect(cause.stack).toEqual(expect.stringContaining("TypeError: fetch failed"));
    expect(cause.cause).toMatchObject({ name: "Error", message: "socket hang up", code: "ECONNRESET" });
  });

  it("keeps a cause that is not an Error as it is, and leaves other error fields out", () => {
    const { lines, log } = capture();
    const error = Object.assign(new Error("bad"), { $response: { body: "huge" } });
    error.cause = { status: 503 };
    log.warn("x", { error });
    const logged = lines[0]!.error as Record<string, unknown>;
    expect(logged.cause).toEqual({ status: 503 });
    expect(logged).not.toHaveProperty("$response");
  });
});
