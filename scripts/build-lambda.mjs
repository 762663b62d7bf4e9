// Bundles the Lambda handler into dist/lambda.js (+ source map) for `serverless package`.
// The AWS SDK is bundled, not taken from the Lambda runtime: its version is then the one the tests
// ran against (protocols change between SDK versions, e.g. CloudWatch's moved from query to JSON).
import { build } from "esbuild";
import { readFileSync, statSync } from "node:fs";
import { exit, stdout } from "node:process";
import { gzipSync } from "node:zlib";

const outfile = "dist/lambda.js";

const ok = await build({
  entryPoints: ["src/lambda.ts"],
  outfile,
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

const bytes = statSync(outfile).size;
const gzipped = gzipSync(readFileSync(outfile)).length;
stdout.write(`${outfile}: ${(bytes / 1024).toFixed(0)} KiB, ${(gzipped / 1024).toFixed(0)} KiB gzipped\n`);
