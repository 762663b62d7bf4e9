import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // One graphql realm: tests importing "graphql" and type-graphql must share the CJS build.
    alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
  },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/support/setup.ts"],
    globalSetup: ["test/support/build-cli.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
