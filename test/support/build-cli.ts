import { execFileSync } from "node:child_process";
import path from "node:path";

/**
 * vitest globalSetup: the e2e tests run `recs` as users do, from dist/cli.js (bin/recs.js), and open the
 * pages the server serves from dist/web. Built once per test run from the current sources (about 0.3 s and
 * 3 s), so a test never runs a build older than the code.
 */
export default function setup(): void {
  execFileSync(process.execPath, ["scripts/build.mjs", "cli", "web"], {
    cwd: path.join(__dirname, "..", ".."),
    stdio: ["ignore", "ignore", "inherit"],
  });
}
