import { defineConfig } from "vitest/config";

// Three projects: `unit` (tests next to the code, no services), `deno` (the
// same unit tests of the pure modules, run by `npm run test:deno` under the
// Deno runtime) and `integration` (real etcd, real dockerd, network
// namespaces; needs root and a running Docker engine).
const nodeOnlyUnit = ["src/node/**", "src/testing/**", "src/cli/**", "src/**/*.node.test.ts"];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["src/**/*.test.ts", "scripts/**/*.test.ts", "bench/**/*.test.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "deno",
          include: ["src/**/*.test.ts"],
          exclude: nodeOnlyUnit,
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          // Services and namespaces are shared machine state: one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
