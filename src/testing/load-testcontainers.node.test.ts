import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";

// A resolve hook that hides testcontainers, as in a project that did not install it.
const hook = `export async function resolve(specifier, context, next) {
  if (specifier === "testcontainers") throw Object.assign(new Error("Cannot find package 'testcontainers'"), { code: "ERR_MODULE_NOT_FOUND" });
  return next(specifier, context);
}`;
const hideTestcontainers = `data:text/javascript,${
  encodeURIComponent(`import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`)
}`;

const kit = fileURLToPath(new URL("./index.ts", import.meta.url));

function runWithoutTestcontainers(script: string): { stdout: string; stderr: string; status: number | null } {
  const r = spawnSync(process.execPath, ["--import", "tsx", "--import", hideTestcontainers, "--input-type=module", "-e", script], { encoding: "utf8", timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

it("imports without testcontainers, and the registry contract is usable", () => {
  const r = runWithoutTestcontainers(`const kit = await import(${JSON.stringify(kit)}); console.log(kit.registryContract.length > 0);`);
  expect({ status: r.status, stdout: r.stdout.trim() }).toEqual({ status: 0, stdout: "true" });
});

it("starting a container without testcontainers says what to install", () => {
  const r = runWithoutTestcontainers(`const kit = await import(${JSON.stringify(kit)}); try { await kit.startEtcd({ image: "none" }); } catch (e) { console.log(e.message); }`);
  expect(r.stdout.trim()).toBe(
    "flannel-ts/testing starts containers through the testcontainers package, which is not installed: npm install --save-dev testcontainers@^11 (version 12 needs Node.js 22)",
  );
});
