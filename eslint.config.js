// Type-aware lint. Floating promises and ignored neverthrow Results are
// errors; the pure core may not import runtime or I/O modules.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import mustUseResult from "./scripts/eslint-must-use-result.js";

const ioModules = ["node:*", "fs", "path", "os", "dgram", "net", "child_process", "etcd3", "dockerode", "koffi", "testcontainers"];

// Files of the core folders that are adapters by design (they talk to a
// service through its client library). Everything else under these folders
// takes its I/O as parameters.
const coreAdapters = ["src/etcd/etcd3-registry.ts", "src/dockerconf/engine-verify.ts"];

export default tseslint.config(
  // src/deno is typed by Deno (`deno check`, `deno lint`), not by this tsconfig.
  { ignores: ["dist/**", "node_modules/**", "coverage/**", ".bench-out/**", "src/deno/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { local: { rules: { "must-use-result": mustUseResult } } },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "local/must-use-result": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    files: [
      "src/core/**/*.ts",
      "src/libc/**/*.ts",
      "src/subnet/**/*.ts",
      "src/etcd/**/*.ts",
      "src/dockerconf/**/*.ts",
      "src/flannel/**/*.ts",
      "src/backend/**/*.ts",
      "src/json/**/*.ts",
      "src/text/**/*.ts",
      "src/netlink/**/*.ts",
      "src/pipework/**/*.ts",
    ],
    ignores: coreAdapters,
    rules: {
      "no-restricted-imports": ["error", {
        patterns: ioModules.map((m) => ({ group: [m], message: "the pure core takes I/O as parameters; put this in an adapter (src/node, src/deno)" })),
      }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false, program: null, project: false },
      globals: { process: "readonly", console: "readonly", URL: "readonly" },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, "local/must-use-result": "off" },
  },
  {
    files: ["**/*.test.ts", "test/**/*.ts", "bench/**/*.ts"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/unbound-method": "off",
    },
  },
);
