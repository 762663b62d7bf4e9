// Bundles with esbuild into dist/ (gitignored). `node scripts/build.mjs [lambda] [cli] [web]`, all when none is named:
//   lambda  dist/lambda.js and dist/retrain.js (+ source maps): the GraphQL API's handler and the scheduled
//           retraining's (no Apollo or GraphQL in it), both in the one package of `serverless package`.
//   cli     dist/cli.js: the `recs` command line that bin/recs.js runs (`prepare`, so `npm ci` builds it,
//           and `npm run build`).
//   web     dist/web/: the dashboard (Chart.js) and GraphiQL (React) for browsers, served by the gateway at
//           /dashboard and GET /graphql, and shipped in the Lambda package (`prepare` builds it too).
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { argv, exit, stderr, stdout } from "node:process";
import { gzipSync } from "node:zlib";

/**
 * graphql is imported as "graphql" (its ES module build, by mainFields) and by CommonJS file
 * ("graphql/execution/execute.js" from graphql-jit, "graphql/language/parser" from graphql-armor): two
 * copies of graphql in one bundle, whose errors and types are not each other's instances. File imports
 * are taken from the ES module files too.
 */
const oneGraphql = {
  name: "one-graphql",
  setup(build) {
    build.onResolve({ filter: /^graphql\/.+/ }, ({ path, kind, resolveDir }) =>
      path.endsWith(".mjs")
        ? undefined
        : build.resolve(path.replace(/(\.js)?$/, ".mjs"), { kind, resolveDir }),
    );
  },
};

/**
 * graphql-jit loads fast-json-stringify (and with it ajv) for its customJSONSerializer option, which the
 * gateway never sets (Apollo serialises responses): a third of a megabyte the Lambda would parse at
 * every cold start. In its place, a module that fails loudly if that option is ever used.
 */
const unusedJsonSerializer = {
  name: "unused-json-serializer",
  setup(build) {
    build.onResolve({ filter: /^fast-json-stringify$/ }, () => ({
      path: "fast-json-stringify",
      namespace: "unused",
    }));
    build.onLoad({ filter: /.*/, namespace: "unused" }, () => ({
      contents:
        'module.exports = () => { throw new Error("fast-json-stringify is not bundled: graphql-jit\'s customJSONSerializer is not supported"); };',
    }));
  },
};

const targets = {
  lambda: {
    entryPoints: { lambda: "src/lambda.ts", retrain: "src/retrain.ts" },
    outdir: "dist",
    // The AWS SDK is bundled, not taken from the Lambda runtime: its version is then the one the tests
    // ran against (protocols change between SDK versions, e.g. CloudWatch's moved from query to JSON).
    target: "node22",
    // ESM builds first: esbuild drops more unused SDK code from them.
    mainFields: ["module", "main"],
    minify: true,
    sourcemap: true,
    sourcesContent: false,
    legalComments: "none",
    // The embedded local DynamoDB never runs on Lambda. class-validator is not a dependency: type-graphql
    // imports it lazily, only with `validate: true`, which the schema never sets (src/graphql/schema.ts).
    external: ["dynalite", "class-validator"],
    plugins: [oneGraphql, unusedJsonSerializer],
    // What each bundle is made of (dist/lambda.meta.json): the tests check what stays out of it.
    metafile: true,
    // esbuild exports through getters, which OpenTelemetry's Lambda instrumentation (the ADOT layer)
    // cannot wrap: plain, writable exports let it trace the handler.
    footer: { js: "module.exports = { ...module.exports };" },
  },
  cli: {
    entryPoints: { cli: "src/cli/main.ts" },
    outdir: "dist",
    target: "node20",
    // Dependencies load from node_modules (dynalite and level have native parts); only src/ is bundled.
    // Each command's implementation is behind a dynamic import(), which esbuild turns into a module
    // initialised on first use: `recs --help` loads none of them. Not minified: stack traces stay readable.
    packages: "external",
  },
  web: {
    entryPoints: { dashboard: "web/dashboard/main.ts", graphiql: "web/graphiql/main.ts" },
    outdir: "dist/web",
    platform: "browser",
    format: "iife",
    target: "es2022",
    minify: true,
    legalComments: "none",
    define: { "process.env.NODE_ENV": '"production"' },
    // Fonts and images referenced by the styles travel inside the CSS: nothing is fetched from elsewhere.
    loader: {
      ".woff": "dataurl",
      ".woff2": "dataurl",
      ".ttf": "dataurl",
      ".svg": "dataurl",
      ".png": "dataurl",
    },
    tsconfig: "web/tsconfig.json",
  },
};

const names = argv.slice(2).length ? argv.slice(2) : Object.keys(targets);
const unknown = names.filter((name) => !targets[name]);
if (unknown.length) {
  stderr.write(`build: unknown target ${unknown.join(", ")} (known: ${Object.keys(targets).join(", ")})\n`);
  exit(2);
}

// `npm ci --omit=dev` runs `prepare` (cli, web) without esbuild: bin/recs.js then runs the sources through
// tsx, and the pages say they are not built, which is no reason to fail the install. The Lambda build needs it.
const esbuild = await import("esbuild").catch(() => undefined);
if (!esbuild) {
  stderr.write("build: esbuild is not installed (npm ci --omit=dev?): nothing built\n");
  exit(names.includes("lambda") ? 1 : 0);
}
for (const name of names) {
  const result = await esbuild
    .build({
      bundle: true,
      platform: "node",
      format: "cjs",
      sourcemap: false,
      // type-graphql names GraphQL types after the classes: renamed classes would change the schema.
      keepNames: true,
      logLevel: "warning",
      ...targets[name],
    })
    .catch(
      // esbuild has already printed the errors; a stack trace of the build script adds nothing.
      () => undefined,
    );
  if (!result) exit(1);
  if (result.metafile)
    writeFileSync(`${targets[name].outdir}/${name}.meta.json`, JSON.stringify(result.metafile));

  for (const entry of Object.keys(targets[name].entryPoints)) {
    const outfile = `${targets[name].outdir}/${entry}.js`;
    const bytes = statSync(outfile).size;
    const gzipped = gzipSync(readFileSync(outfile)).length;
    stdout.write(
      `${outfile}: ${(bytes / 1024).toFixed(0)} KiB, ${(gzipped / 1024).toFixed(0)} KiB gzipped\n`,
    );
  }
}
