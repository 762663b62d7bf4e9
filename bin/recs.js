#!/usr/bin/env node
// The `recs` command line runs the TypeScript sources directly through tsx: no build step.
require("tsx/cjs");
require("../src/cli/main.ts");
