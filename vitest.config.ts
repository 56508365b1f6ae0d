import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // A cache directory per test file, and the built-in profile unless a test asks for another (test/support/setup-env.ts).
    setupFiles: ["test/support/setup-env.ts"],
    // The machines here have 2 cores; the Wasm tests are CPU-bound.
    pool: "threads",
    maxWorkers: 2,
    testTimeout: 120_000,
  },
});
