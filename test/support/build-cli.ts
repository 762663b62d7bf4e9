import { execFileSync } from "node:child_process";
import path from "node:path";

/**
 * vitest globalSetup: the e2e tests run `recs` as users do, from dist/cli.js (bin/recs.js). Built once per
 * test run from the current sources (about 0.3 s), so a test never runs a build older than the code.
 */
export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs", "cli"], {
    cwd: path.join(__dirname, "..", ".."),
    stdio: ["ignore", "ignore", "inherit"],
  });
}
