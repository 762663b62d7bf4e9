import { parseArgs } from "node:util";
import { FAMILY_NAMES, type FamilyName } from "../factors/types";

/** A usage mistake: printed with the command's help, exit code 2. */
export class UsageError extends Error {}

export type Values = Record<string, string | boolean | undefined>;

/**
 * A command's flags. `default` is the value parsed when the flag is absent; `defaultText` is what help
 * shows when the default is decided at run time (from the environment). Help prints either as
 * "(default: ...)" after the flag's text.
 */
export type Flags = Record<
  string,
  { type: "string" | "boolean"; default?: string | boolean; defaultText?: string; help: string }
>;

/** `--help` or `-h` anywhere before a `--`. */
export function wantsHelp(argv: string[]): boolean {
  const end = argv.indexOf("--");
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

export function readFlags(argv: string[], flags: Flags): Values {
  try {
    const options = Object.fromEntries(
      Object.entries(flags).map(([name, f]) => [name, { type: f.type, default: f.default } as const]),
    );
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values as Values;
  } catch (error) {
    // Node's message goes on about positionals starting with "-": the first sentence is the point.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
}

export function intFlag(
  values: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  return readNumber(values, name, min, max, true);
}

export function numberFlag(
  values: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  return readNumber(values, name, min, max, false);
}

function readNumber(
  values: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
  integer: boolean,
) {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || n < min || n > max) {
    throw new UsageError(`--${name} must be ${integer ? "an integer" : "a number"} in ${min}..${max}`);
  }
  return n;
}

/** One line per flag: name, text, default; `-h, --help` last. */
export function describeFlags(flags: Flags): string {
  const rows: Array<[string, string]> = Object.entries(flags).map(([name, f]) => {
    const shown = f.defaultText ?? (f.type === "string" ? f.default : undefined);
    return [
      `--${name}${f.type === "string" ? " VALUE" : ""}`,
      shown === undefined ? f.help : `${f.help} (default: ${shown})`,
    ];
  });
  rows.push(["-h, --help", "this help"]);
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return rows.map(([name, text]) => `  ${name.padEnd(width)}${text}`).join("\n");
}

/** A command's implementation (`<name>.command.ts` exports it as `run`): exit code 0 on success. */
export type Run = (values: Values) => Promise<number>;

/** --model nmf|als, or all of them when `all` is allowed. */
export function familiesFlag(values: Record<string, unknown>, allowAll: boolean): FamilyName[] {
  const raw = String(values.model ?? "").toUpperCase();
  if (allowAll && raw === "ALL") return [...FAMILY_NAMES];
  const family = FAMILY_NAMES.find((name) => name === raw);
  if (!family) {
    const choices = FAMILY_NAMES.map((name) => name.toLowerCase()).join(", ");
    throw new UsageError(`--model must be one of ${choices}${allowAll ? ", all" : ""}`);
  }
  return [family];
}

/** A comma-separated list of integers, e.g. --k 5,10,20. */
export function intListFlag(
  values: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number[] {
  const parts = String(values[name] ?? "").split(",");
  return [...new Set(parts.map((part) => intFlag({ [name]: part.trim() }, name, min, max)!))].sort(
    (a, b) => a - b,
  );
}
