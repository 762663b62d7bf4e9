import "reflect-metadata";
import { spawnSync } from "node:child_process";
import { ConfigError } from "../config";
import { InputError } from "../domain/errors";
import { StoreInUseError } from "../store/embedded";
import { UsageError, describeFlags, readFlags, wantsHelp } from "./args";
import { commands, NAME_WIDTH, type Command } from "./commands";

// Only light modules are imported above: `recs --help` and `recs <command> --help` must start at once.
// A command's implementation is loaded when it runs (`Command.load`).

const HELP = `recs: offline jobs of the recommendation gateway (same stores and config as the server)

usage: npx recs <command> [flags]
       npx recs <command> --help    the command's flags and their defaults

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(NAME_WIDTH)}${c.summary}`)
  .join("\n")}

Configuration comes from the environment, as for the server (see the README).`;

const commandHelp = (name: string, command: Command) =>
  `usage: npx recs ${name} [flags]\n\n${command.summary}\n\nflags:\n${describeFlags(command.flags)}`;

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "help" && rest.length === 1 && commands[rest[0]!]) {
    console.log(commandHelp(rest[0]!, commands[rest[0]!]!));
    return 0;
  }
  if (!name || name === "help" || name === "--help" || name === "-h") {
    if (!name) {
      console.error(HELP);
      return 2;
    }
    console.log(HELP);
    return 0;
  }
  const command = commands[name];
  if (!command) {
    console.error(`recs: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  if (wantsHelp(rest)) {
    console.log(commandHelp(name, command));
    return 0;
  }
  try {
    const values = readFlags(rest, command.flags);
    if (command.heapMb && !heapLimitSet()) return withHeapLimit(command.heapMb);
    const { run } = await command.load();
    return await run(values);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`recs ${name}: ${error.message}\n\n${commandHelp(name, command)}`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof InputError || error instanceof StoreInUseError) {
      console.error(`recs ${name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

function heapLimitSet(): boolean {
  return [...process.execArgv, process.env.NODE_OPTIONS ?? ""].some((arg) =>
    arg.includes("--max-old-space-size"),
  );
}

/** The same command again in a process with that heap limit (V8 reads it only at start). */
function withHeapLimit(megabytes: number): number {
  const args = [
    `--max-old-space-size=${megabytes}`,
    ...process.execArgv,
    process.argv[1]!,
    ...process.argv.slice(2),
  ];
  return spawnSync(process.execPath, args, { stdio: "inherit" }).status ?? 1;
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
