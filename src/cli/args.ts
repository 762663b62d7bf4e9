import { parseArgs } from "node:util";

/** A usage mistake: printed with the command's help, exit code 2. */
export class UsageError extends Error {}

export type Flags = Record<string, { type: "string" | "boolean"; default?: string | boolean; help: string }>;

export function readFlags(argv: string[], flags: Flags): Record<string, string | boolean | undefined> {
  try {
    const options = Object.fromEntries(
      Object.entries(flags).map(([name, f]) => [name, { type: f.type, default: f.default } as const]),
    );
    return parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values as Record<
      string,
      string | boolean | undefined
    >;
  } catch (error) {
    throw new UsageError((error as Error).message);
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

export function describeFlags(flags: Flags): string {
  return Object.entries(flags)
    .map(([name, f]) => `    --${name}${f.type === "string" ? " VALUE" : ""}`.padEnd(26) + f.help)
    .join("\n");
}
