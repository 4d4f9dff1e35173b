#!/usr/bin/env node
/**
 * The `flannel-ts` command line: a thin shell over the library. Each command
 * lives in `commands/<name>.ts` and is loaded only when it runs, so that
 * `flannel-ts subnet alloc` does not load the etcd client.
 */
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CliCommand, CliIo } from "./io.ts";

type Loader = () => Promise<{ default: CliCommand }>;

const commands: ReadonlyArray<readonly [string, Loader]> = [
  ["config check", () => import("./commands/config-check.ts")],
  ["config set", () => import("./commands/config-set.ts")],
  ["config get", () => import("./commands/config-get.ts")],
  ["subnet alloc", () => import("./commands/subnet-alloc.ts")],
  ["leases", () => import("./commands/leases.ts")],
  ["lease acquire", () => import("./commands/lease-acquire.ts")],
  ["docker-opts", () => import("./commands/docker-opts.ts")],
  ["docker-config", () => import("./commands/docker-config.ts")],
  ["udp", () => import("./commands/udp.ts")],
  ["agent", () => import("./commands/agent.ts")],
  ["demo", () => import("./commands/demo.ts")],
  ["pipework", () => import("./commands/pipework.ts")],
];

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

async function topHelp(): Promise<string> {
  const lines = await Promise.all(
    commands.map(async ([name, load]) => `  ${name.padEnd(16)} ${(await load()).default.summary}`),
  );
  return [
    "Usage: flannel-ts <command> [flags]",
    "",
    "flannel's subnet leases, host configuration and UDP overlay.",
    "",
    "Commands:",
    ...lines,
    "",
    "Flags:",
    "  -h, --help       show help (also after a command)",
    "  -v, --version    print the version",
    "",
  ].join("\n");
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    io.out(await topHelp());
    return first === undefined ? 2 : 0;
  }
  if (first === "-v" || first === "--version") {
    io.out(`flannel-ts ${version()}\n`);
    return 0;
  }
  const match = commands
    .filter(([name]) => {
      const words = name.split(" ");
      return words.every((w, i) => argv[i] === w);
    })
    .sort((a, b) => b[0].length - a[0].length)[0];
  if (match === undefined) {
    io.err(`flannel-ts: unknown command "${argv.slice(0, 2).join(" ")}"; run flannel-ts --help for the list\n`);
    return 2;
  }
  const [name, load] = match;
  const command = (await load()).default;
  const rest = argv.slice(name.split(" ").length);
  if (rest.includes("-h") || rest.includes("--help")) {
    io.out(command.usage);
    return 0;
  }
  return command.run(rest, io);
}

function invokedAsScript(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedAsScript()) {
  const io: CliIo = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
  };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (cause: unknown) => {
      process.stderr.write(`flannel-ts: internal error: ${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}\n`);
      process.exitCode = 70;
    },
  );
}
