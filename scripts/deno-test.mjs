// Runs the library under Deno: type-checks every JSR entry point, the
// examples in every JSDoc comment and in the Markdown docs, then runs the
// unit tests of the runtime-independent code with vitest on the Deno runtime
// (the `deno` npm package ships the binary).
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const denoJson = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const deno = join(root, "node_modules/deno/bin.cjs");
const run = (args) => {
  console.log(`$ deno ${args.join(" ")}`);
  const r = spawnSync(process.execPath, [deno, ...args], { stdio: "inherit", cwd: root });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
const walk = (dir) =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)],
  );
const sources = walk("src").filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
const markdown = ["README.md", ...walk("docs").filter((f) => f.endsWith(".md"))];

run(["check", "--quiet", ...Object.values(denoJson.exports)]);
run(["check", "--quiet", "--doc", ...sources]);
run(["check", "--quiet", "--doc-only", ...markdown]);
run(["run", "-A", "npm:vitest", "run", "--project", "deno", ...process.argv.slice(2)]);
