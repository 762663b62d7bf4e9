#!/usr/bin/env node
// `recs` runs dist/cli.js, plain JavaScript bundled by `node scripts/build.mjs cli` (the `prepare` script,
// so `npm ci` builds it, and `npm run build`): nothing is compiled at each call.
// When that file is missing (`npm ci --ignore-scripts`) or older than a file in src/ (sources changed
// since the build), it runs the sources through tsx, with a one-line notice, rather than failing: tsx is a
// runtime dependency anyway (`npm start`), so the command still works, slower, and never runs stale code.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const built = path.join(root, "dist", "cli.js");

/** Why dist/cli.js cannot be used, or undefined. About 160 stats: a few ms. */
function staleness() {
  let builtAt;
  try {
    builtAt = fs.statSync(built).mtimeMs;
  } catch {
    return "dist/cli.js is missing";
  }
  // tools/ too: the SageMaker endpoint emulator of `recs sagemaker-local` lives there and is bundled.
  for (const dir of ["src", "tools"]) {
    for (const file of fs.readdirSync(path.join(root, dir), { recursive: true })) {
      if (fs.statSync(path.join(root, dir, file)).mtimeMs > builtAt)
        return `${dir}/${file} is newer than dist/cli.js`;
    }
  }
  return undefined;
}

const reason = staleness();
if (reason === undefined) {
  require(built);
} else {
  process.stderr.write(
    `recs: ${reason}: running the sources through tsx (slower); \`npm run build\` fixes it\n`,
  );
  // tsx as a loader of a child process: commands load with import(), which only the loader hooks see.
  const { spawnSync } = require("node:child_process");
  const { pathToFileURL } = require("node:url");
  const tsx = pathToFileURL(require.resolve("tsx")).href;
  const main = path.join(root, "src", "cli", "main.ts");
  const child = spawnSync(process.execPath, ["--import", tsx, main, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  process.exit(child.status ?? 1);
}
