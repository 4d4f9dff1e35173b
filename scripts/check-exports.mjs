// Keeps the npm export map (package.json), the JSR export map (jsr.json) and
// deno.json in agreement: the same subpaths, pointing at the same modules
// (dist/X/index.js is built from src/X/index.ts), and every target exists.
// Node-only subpaths are absent from JSR, Deno-only ones from npm, by design.
import { existsSync, readFileSync } from "node:fs";

const read = (f) => JSON.parse(readFileSync(new URL(`../${f}`, import.meta.url), "utf8"));
const pkg = read("package.json");
const jsr = read("jsr.json");
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
    if (sub in jsr.exports) problems.push(`jsr.json exports the Node-only subpath ${sub}`);
  } else if (jsr.exports[sub] !== src) {
    problems.push(`jsr.json ${sub} is ${jsr.exports[sub] ?? "missing"}, npm builds it from ${src}`);
  }
}
for (const [sub, src] of Object.entries(jsr.exports)) {
  if (!existsSync(new URL(`../${src}`, import.meta.url))) problems.push(`jsr.json ${sub}: ${src} missing`);
  if (!(sub in pkg.exports) && !denoOnly.has(sub)) problems.push(`jsr.json ${sub} has no npm counterpart`);
}
if (JSON.stringify(jsr.exports) !== JSON.stringify(deno.exports)) problems.push("deno.json exports differ from jsr.json exports");
if (jsr.version !== pkg.version) problems.push(`jsr.json version ${jsr.version} != package.json version ${pkg.version}`);
for (const [name, spec] of Object.entries(deno.imports ?? {})) {
  if (name === pkg.name || name.startsWith(`${pkg.name}/`)) {
    // Lets the Markdown examples (`import ... from "flannel-ts/subnet"`) be type-checked by Deno.
    const sub = name === pkg.name ? "." : `./${name.slice(pkg.name.length + 1)}`;
    const npmSource = pkg.exports[sub]?.default.replace(/^\.\/dist\//, "./src/").replace(/\.js$/, ".ts");
    const expected = jsr.exports[sub] ?? npmSource;
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
console.log(`check-exports: ${Object.keys(pkg.exports).length - 1} npm and ${Object.keys(jsr.exports).length} JSR subpaths agree`);
