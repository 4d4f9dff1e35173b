// The hostile-input suite, without etcd: every command of the built CLI
// against bad command lines, variables, special files and file contents
// (test/hostile/cases-*.ts). Needs `npm run build`, and root for the cases
// with device nodes (mknod in a temporary directory).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILE_CASES } from "../hostile/cases-files.ts";
import { FLAG_CASES, HOSTILE_BRIDGE, HOSTILE_TUN } from "../hostile/cases-flags.ts";
import { type CaseContext, checkCase, CLI, type HostileCase } from "../hostile/harness.ts";
import { IS_ROOT } from "../hostile/special-files.ts";

let shared: Omit<CaseContext, "dir"> = {};

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  // A port nothing listens on: taken, then given back.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  shared = { closedPort: port };
});

afterAll(() => {
  // A udp case accepted by mistake would leave its TUN device behind when killed; a pipework case, its bridge.
  if (IS_ROOT) { for (const device of [HOSTILE_TUN, HOSTILE_BRIDGE]) spawnSync("ip", ["link", "del", device], { stdio: "ignore" }); }
});

const table = (cases: readonly HostileCase[]) => cases.map((c) => [c.name, c] as const);

function register(cases: readonly HostileCase[]): void {
  // Cases that make device nodes need root (mknod); the CI runs as root.
  it.concurrent.each(table(cases.filter((c) => c.root !== true || IS_ROOT)))("%s", async (_name, c) => {
    expect(await checkCase(c, shared)).toEqual([]);
  });
}

// tsc rewrites "./x.ts" to "./x.js" in most dynamic imports, but not in every nesting: one it missed made
// `flannel-ts udp` fail only when it got as far as loading the engine, which no refused case does.
it("the built CLI imports no .ts file at run time", () => {
  const dist = dirname(dirname(CLI));
  const files = (readdirSync(dist, { recursive: true }) as string[]).filter((f) => f.endsWith(".js"));
  const left = files.filter((f) => /\bimport\(\s*["'][^"']+\.ts["']\s*\)/.test(readFileSync(join(dist, f), "utf8")));
  expect(files.length).toBeGreaterThan(100);
  expect(left).toEqual([]);
});

describe("hostile command lines and variables", { timeout: 60_000 }, () => {
  register(FLAG_CASES);
});

describe("hostile files: special files, sizes, contents, write targets", { timeout: 60_000 }, () => {
  register(FILE_CASES);
});
