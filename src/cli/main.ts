import "reflect-metadata";
import { ConfigError } from "../config";
import { InputError } from "../events/event.validation";
import { StoreInUseError } from "../store/embedded";
import { UsageError, describeFlags, readFlags } from "./args";
import { commands } from "./commands";

const HELP = `recs: offline jobs of the recommendation gateway (same stores and config as the server)

usage: npx recs <command> [flags]

${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(16)}${c.summary}\n${describeFlags(c.flags)}`)
  .join("\n\n")}

Configuration comes from the environment, as for the server (see the README).`;

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    console.log(HELP);
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    console.error(`recs: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  try {
    return await command.run(readFlags(rest, command.flags));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(
        `recs ${name}: ${error.message}\n\n  ${name}: ${command.summary}\n${describeFlags(command.flags)}`,
      );
      return 2;
    }
    if (error instanceof ConfigError || error instanceof InputError || error instanceof StoreInUseError) {
      console.error(`recs ${name}: ${error.message}`);
      return 1;
    }
    throw error;
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
