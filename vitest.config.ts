import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The machines here have 2 cores; the Wasm tests are CPU-bound.
    pool: "threads",
    maxWorkers: 2,
    testTimeout: 120_000,
  },
});
