// What the two packages would ship, checked before anything is published:
// `deno publish --dry-run` (JSR: type-checks the entries, refuses slow types
// in the public API) and `npm pack --dry-run` (npm). Both must carry the
// LICENSE and the README, neither a test file; npm must carry every built
// entry point, JSR none of the Node-only folders.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const problems = [];
const run = (command, args) => {
  const r = spawnSync(command, args, { cwd: root, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr);
    console.error(`check-package: ${command} ${args.join(" ")} exited ${r.status}`);
    process.exit(1);
  }
  return r;
};

const deno = run(process.execPath, [join(root, "node_modules/deno/bin.cjs"), "publish", "--dry-run", "--allow-dirty"]);
// deno lists each file as "   file:///.../path (size)"
const jsrFiles = [...`${deno.stdout}\n${deno.stderr}`.matchAll(/file:\/\/(\S+)/g)].map((m) => m[1].slice(root.length));
const npm = run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"]);
const npmFiles = JSON.parse(npm.stdout)[0].files.map((f) => f.path);

for (const [name, files] of [["JSR", jsrFiles], ["npm", npmFiles]]) {
  for (const required of ["LICENSE", "README.md"]) if (!files.includes(required)) problems.push(`${name} package lacks ${required}`);
  for (const f of files) if (/\.test\.ts$/.test(f)) problems.push(`${name} package ships the test file ${f}`);
}
for (const f of jsrFiles) if (/^src\/(node|testing|cli)\//.test(f)) problems.push(`JSR package ships the Node-only file ${f}`);
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
for (const [sub, target] of Object.entries(pkg.exports)) {
  if (typeof target === "string") continue;
  for (const file of [target.default, target.types]) {
    const path = file.replace(/^\.\//, "");
    if (!npmFiles.includes(path)) problems.push(`npm package lacks ${path} (export ${sub})`);
  }
}
if (!npmFiles.includes(pkg.bin["flannel-ts"])) problems.push(`npm package lacks the CLI ${pkg.bin["flannel-ts"]}`);

if (problems.length > 0) {
  for (const p of problems) console.error(`check-package: ${p}`);
  process.exit(1);
}
console.log(`check-package: JSR ${jsrFiles.length} files, npm ${npmFiles.length} files; LICENSE and README in both, no tests`);
