export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

const pending: string[] = [];
let scheduled = false;

/**
 * Lines logged in the same turn of the event loop leave in one write: a request's log line must not
 * cost a system call of its own (stdout to a file or a pipe is synchronous in Node).
 */
export function bufferedStdout(line: string): void {
  pending.push(line);
  if (scheduled) return;
  scheduled = true;
  setImmediate(flushLogs);
}

/** Writes buffered lines now (before a Lambda invocation returns, and at exit). */
export function flushLogs(): void {
  scheduled = false;
  if (pending.length) process.stdout.write(pending.splice(0).join("\n") + "\n");
}
process.on("exit", flushLogs);

/** Structured JSON lines on stdout (CloudWatch Logs parses them); one line per call. */
export class Logger {
  constructor(
    private readonly level: LogLevel = "info",
    private readonly base: LogFields = {},
    private readonly write: (line: string) => void = bufferedStdout,
  ) {}

  child(fields: LogFields): Logger {
    return new Logger(this.level, { ...this.base, ...fields }, this.write);
  }

  debug(msg: string, fields?: LogFields): void {
    this.log("debug", msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log("info", msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log("warn", msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.log("error", msg, fields);
  }

  private log(level: LogLevel, msg: string, fields?: LogFields): void {
    if (ORDER[level] < ORDER[this.level]) return;
    const line = { level, time: new Date().toISOString(), msg, ...this.base, ...fields };
    // The replacer costs a call per key: a line of plain values (every request's line) holds no Error.
    const plain = allPrimitive(this.base) && (fields === undefined || allPrimitive(fields));
    this.write(plain ? JSON.stringify(line) : JSON.stringify(line, errorReplacer));
  }
}

function allPrimitive(fields: LogFields): boolean {
  for (const key in fields) {
    const value = fields[key];
    if (typeof value === "object" && value !== null) return false;
  }
  return true;
}

/**
 * Errors keep their stack and their cause (JSON.stringify sees neither: they are not enumerable); the
 * replacer runs again on the cause, so a chain is logged whole. Other own fields are left out on
 * purpose: an SDK error's `$response` can hold a whole HTTP response.
 */
function errorReplacer(_key: string, value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const { name, message, stack, cause } = value;
  const code = (value as { code?: unknown }).code;
  return { name, message, code: typeof code === "string" ? code : undefined, stack, cause };
}
