// Bundles the Lambda handlers for `serverless package`, in one build: dist/lambda.js (the GraphQL API)
// and dist/retrain.js (scheduled retraining; no Apollo or GraphQL in it), each with its source map.
// Both ship in the one deployment package; each function names its file as its handler.
// The AWS SDK is bundled, not taken from the Lambda runtime: its version is then the one the tests
// ran against (protocols change between SDK versions, e.g. CloudWatch's moved from query to JSON).
import { build } from "esbuild";
import { readFileSync, statSync } from "node:fs";
import { exit, stdout } from "node:process";
import { gzipSync } from "node:zlib";

const entryPoints = { lambda: "src/lambda.ts", retrain: "src/retrain.ts" };

const ok = await build({
  entryPoints,
  outdir: "dist",
  bundle: true,
  platform: "node",
  target: "node22",
  format: "cjs",
  // ESM builds first: esbuild drops more unused SDK code from them.
  mainFields: ["module", "main"],
  minify: true,
  // type-graphql names GraphQL types after the classes: minified names would change the schema.
  keepNames: true,
  sourcemap: true,
  sourcesContent: false,
  legalComments: "none",
  // The embedded local DynamoDB never runs on Lambda.
  external: ["dynalite"],
  logLevel: "warning",
}).then(
  () => true,
  // esbuild has already printed the errors; a stack trace of the build script adds nothing.
  () => false,
);
if (!ok) exit(1);

for (const name of Object.keys(entryPoints)) {
  const outfile = `dist/${name}.js`;
  const bytes = statSync(outfile).size;
  const gzipped = gzipSync(readFileSync(outfile)).length;
  stdout.write(`${outfile}: ${(bytes / 1024).toFixed(0)} KiB, ${(gzipped / 1024).toFixed(0)} KiB gzipped\n`);
}
