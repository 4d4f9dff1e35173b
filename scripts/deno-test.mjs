// Runs the library under Deno: type-checks every JSR entry point and every
// example (JSDoc and Markdown), runs the examples as doc tests, then runs the
// unit tests of the runtime-independent code with vitest on the Deno runtime
// (the `deno` npm package ships the binary).
//
// Examples are tests: they import from `flannel-ts/...` (deno.json maps the
// package's own name) and state their results with assertions. An example
// that needs root, a network, Docker or etcd is fenced "```ts ignore": Deno
// neither checks nor runs such a block, so the check below runs on a copy of
// the tree in which the attribute is removed, and every example, run or not,
// must type-check.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const denoJson = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
const deno = join(root, "node_modules/deno/bin.cjs");
const run = (args, cwd = root) => {
  console.log(`$ deno ${args.join(" ")}`);
  const r = spawnSync(process.execPath, [deno, ...args], { stdio: "inherit", cwd });
  return r.status ?? 1;
};
const walk = (dir) => readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]);
const sources = walk("src").filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
const markdown = ["README.md", ...walk("docs").filter((f) => f.endsWith(".md"))];
// Deno also evaluates each file it is given, so a file whose examples are
// all fenced "ignore" is left out.
const hasExample = (f) => /^\s*(\* )?```(ts|js)[ \t]*$/m.test(readFileSync(join(root, f), "utf8"));

// Examples here are type-checked but not run yet: they still state their
// results in comments. Remove a file or folder once its examples assert.
const checkedOnly = [/^docs\/(cli|reliability|benchmarks)\.md$/];
const runnable = [...sources, ...markdown].filter((f) => hasExample(f) && !checkedOnly.some((r) => r.test(f)));

const exit = (status) => {
  if (status !== 0) process.exit(status);
};

exit(run(["check", "--quiet", ...Object.values(denoJson.exports)]));

const copy = mkdtempSync(join(tmpdir(), "flannel-ts-doc-check-"));
let checked;
try {
  for (const f of ["deno.json", "package.json"]) cpSync(join(root, f), join(copy, f));
  symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
  for (const f of [...sources, ...markdown]) {
    const text = readFileSync(join(root, f), "utf8").replace(/(```(?:ts|js))[ \t]+ignore\b/g, "$1");
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    writeFileSync(join(copy, f), text);
  }
  console.log(`(type-checking every example, including those fenced "ignore", in a copy of the tree: ${copy})`);
  checked = run(["check", "--quiet", "--doc", ...sources], copy);
  if (checked === 0) checked = run(["check", "--quiet", "--doc-only", ...markdown], copy);
} finally {
  rmSync(copy, { recursive: true, force: true });
}
exit(checked);

// No permissions beyond reading the installed packages and the environment
// (etcd3's gRPC reads both when an Etcd3Registry is made) and loading their
// native code (flannel-ts/node loads koffi): an example that reaches for the network,
// writes a file or runs a program fails here instead of touching the host.
const nodeModules = realpathSync(join(root, "node_modules"));
const permissions = ["--allow-env", `--allow-read=${nodeModules}`, `--allow-ffi=${nodeModules}`];
exit(run(["test", "--quiet", "--doc", ...permissions, ...runnable]));
exit(run(["run", "-A", "npm:vitest", "run", "--project", "deno", ...process.argv.slice(2)]));
