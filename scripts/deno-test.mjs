// Runs the pure modules under Deno: `deno check` on every JSR entry point,
// then the unit tests of the runtime-independent code with vitest on the
// Deno runtime (the `deno` npm package ships the binary).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

const jsr = JSON.parse(readFileSync(new URL("../jsr.json", import.meta.url), "utf8"));
const deno = new URL("../node_modules/deno/bin.cjs", import.meta.url).pathname;
const run = (args) => {
  console.log(`$ deno ${args.join(" ")}`);
  const r = spawnSync(process.execPath, [deno, ...args], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(["check", ...Object.values(jsr.exports)]);
run(["run", "-A", "npm:vitest", "run", "--project", "deno", ...process.argv.slice(2)]);
