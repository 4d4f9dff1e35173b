/**
 * Start-up cost of the CLI and import cost of the entry points, measured in
 * one run with the same process spawning each case in turn (interleaved, so
 * that load on the machine hits every case alike):
 *
 * - `node dist/cli/main.js --help` against `node dist/cli/main.js --version`
 *   (issue 9: the help at most 2 times the version: it loads no command),
 *   and `pipework --help`, the last command moved onto the flag layer (its
 *   spec only: no Engine API, no command module);
 * - `node --input-type=module -e 'await import("flannel-ts")'` against
 *   `... import("flannel-ts/subnet")`, from dist through the package's own
 *   export map (issue 9: the root at most 2.5 times the subnet entry).
 *
 * Each case is a fresh process; the time is the wall time from spawn to
 * exit. Prints the median, the spread (min to max) and the ratios of the
 * medians, then one line of JSON.
 *
 * Run: npm run bench:cli                       (builds first; 21 rounds)
 *      npx tsx bench/cli-startup.ts --rounds 5 (dist must be built)
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CLI = `${ROOT}dist/cli/main.js`;
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 21;
const WARMUP = 2;

interface Case {
  readonly name: string;
  readonly args: readonly string[];
}

const importCase = (specifier: string): Case => ({
  name: `import("${specifier}")`,
  args: ["--input-type=module", "-e", `await import(${JSON.stringify(specifier)});`],
});

const CASES: readonly Case[] = [
  { name: "flannel-ts --help", args: [CLI, "--help"] },
  { name: "flannel-ts --version", args: [CLI, "--version"] },
  { name: "flannel-ts pipework --help", args: [CLI, "pipework", "--help"] },
  importCase("flannel-ts"),
  importCase("flannel-ts/subnet"),
];

function once(c: Case): number {
  const started = process.hrtime.bigint();
  // cwd at the package root: "flannel-ts" resolves to this package through its own export map.
  const run = spawnSync(process.execPath, c.args, { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${c.name} exited ${String(run.status)}: ${run.stderr.slice(0, 500)}`);
  return ms;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

function main(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm run bench:cli does)`);
  if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error("--rounds takes a whole number above 0");
  const samples = new Map<string, number[]>(CASES.map((c) => [c.name, []]));
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    // Interleaved, and the order rotates so that no case always runs first.
    for (let i = 0; i < CASES.length; i++) {
      const c = CASES[(round + i) % CASES.length] as Case;
      const ms = once(c);
      if (round >= WARMUP) samples.get(c.name)?.push(ms);
    }
  }
  const cpu = cpus();
  console.log(
    `machine: ${cpu.length} x ${cpu[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node.js ${process.version}; ${ROUNDS} rounds (+${WARMUP} warm-up), interleaved`,
  );
  console.log(`| ${"case".padEnd(30)} | median ms | min ms | max ms |`);
  console.log(`|${"-".repeat(32)}|----------:|-------:|-------:|`);
  const med: Record<string, number> = {};
  for (const c of CASES) {
    const xs = samples.get(c.name) ?? [];
    med[c.name] = median(xs);
    console.log(`| ${c.name.padEnd(30)} | ${median(xs).toFixed(1).padStart(9)} | ${Math.min(...xs).toFixed(1).padStart(6)} | ${Math.max(...xs).toFixed(1).padStart(6)} |`);
  }
  const helpRatio = (med["flannel-ts --help"] ?? NaN) / (med["flannel-ts --version"] ?? NaN);
  const importRatio = (med['import("flannel-ts")'] ?? NaN) / (med['import("flannel-ts/subnet")'] ?? NaN);
  const pipeworkRatio = (med["flannel-ts pipework --help"] ?? NaN) / (med["flannel-ts --version"] ?? NaN);
  console.log(`--help / --version: ${helpRatio.toFixed(2)} (target at most 2: ${helpRatio <= 2 ? "met" : "NOT met"})`);
  console.log(`pipework --help / --version: ${pipeworkRatio.toFixed(2)}`);
  console.log(`import root / import subnet: ${importRatio.toFixed(2)} (target at most 2.5: ${importRatio <= 2.5 ? "met" : "NOT met"})`);
  console.log(
    JSON.stringify({
      rounds: ROUNDS,
      medianMs: med,
      helpOverVersion: Number(helpRatio.toFixed(3)),
      pipeworkHelpOverVersion: Number(pipeworkRatio.toFixed(3)),
      rootOverSubnet: Number(importRatio.toFixed(3)),
    }),
  );
}

main();
