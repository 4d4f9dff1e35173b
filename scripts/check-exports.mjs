// Keeps the npm export map (package.json) and the JSR export map (deno.json,
// which is also what `deno publish` reads) in agreement: the same subpaths,
// pointing at the same modules (dist/X/index.js is built from src/X/index.ts),
// and every target exists. Node-only subpaths are absent from JSR, Deno-only
// ones from npm, by design.
import { existsSync, readFileSync } from "node:fs";

const read = (f) => JSON.parse(readFileSync(new URL(`../${f}`, import.meta.url), "utf8"));
const pkg = read("package.json");
const deno = read("deno.json");

const nodeOnly = new Set(["./node", "./testing"]); // koffi, dgram, testcontainers
const denoOnly = new Set(["./deno"]); // Deno.dlopen, Deno.listenDatagram
const problems = [];

for (const [sub, target] of Object.entries(pkg.exports)) {
  if (sub === "./package.json") continue;
  const js = target.default;
  const dts = target.types;
  const src = js.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts");
  if (dts !== js.replace(/\.js$/, ".d.ts")) problems.push(`package.json ${sub}: types ${dts} does not sit beside ${js}`);
  if (!existsSync(new URL(`../${js}`, import.meta.url))) problems.push(`package.json ${sub}: ${js} missing (run npm run build)`);
  if (!existsSync(new URL(`../${src}`, import.meta.url))) problems.push(`package.json ${sub}: source ${src} missing`);
  if (nodeOnly.has(sub)) {
    if (sub in deno.exports) problems.push(`deno.json exports the Node-only subpath ${sub}`);
  } else if (deno.exports[sub] !== src) {
    problems.push(`deno.json ${sub} is ${deno.exports[sub] ?? "missing"}, npm builds it from ${src}`);
  }
}
for (const [sub, src] of Object.entries(deno.exports)) {
  if (!existsSync(new URL(`../${src}`, import.meta.url))) problems.push(`deno.json ${sub}: ${src} missing`);
  if (!(sub in pkg.exports) && !denoOnly.has(sub)) problems.push(`deno.json ${sub} has no npm counterpart`);
}
if (deno.version !== pkg.version) problems.push(`deno.json version ${deno.version} != package.json version ${pkg.version}`);
if (deno.license !== pkg.license) problems.push(`deno.json license ${deno.license} != package.json license ${pkg.license}`);
for (const [name, spec] of Object.entries(deno.imports ?? {})) {
  if (name === pkg.name || name.startsWith(`${pkg.name}/`)) {
    // Lets the Markdown examples (`import ... from "flannel-ts/subnet"`) be type-checked by Deno.
    const sub = name === pkg.name ? "." : `./${name.slice(pkg.name.length + 1)}`;
    const npmSource = pkg.exports[sub]?.default.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts");
    const expected = deno.exports[sub] ?? npmSource;
    if (expected !== spec) problems.push(`deno.json imports ${name} as ${spec}, but the package exports ${sub} from ${expected}`);
    continue;
  }
  const range = pkg.dependencies?.[name];
  if (spec !== `npm:${name}@${range}`) problems.push(`deno.json imports ${name} as ${spec}, package.json has ${range ?? "nothing"}`);
}

if (problems.length > 0) {
  for (const p of problems) console.error(`check-exports: ${p}`);
  process.exit(1);
}
console.log(`check-exports: ${Object.keys(pkg.exports).length - 1} npm and ${Object.keys(deno.exports).length} JSR subpaths agree`);
