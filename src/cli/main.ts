#!/usr/bin/env node
/**
 * The `flannel-ts` command line: a thin shell over the library. The table
 * below holds each command's name, summary and loaders: `--help` loads no
 * command, a command's `--help` and its usage errors load only its light
 * spec (`specs/<name>.ts`), and the command itself (`commands/<name>.ts`,
 * which may load etcd3 or dockerode) is loaded only when it runs.
 */
import { readFileSync, realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { CommandSpec } from "./command-spec.ts";
import { EXIT, EXIT_CODE_TABLE } from "./exit-codes.ts";
import type { FlagSet } from "./flag-spec.ts";
import type { CliCommand, CliIo } from "./io.ts";
import { answerWithoutRunning } from "./define-command.ts";
import { wantsJson } from "./parse-command-line.ts";
import { quoteExcerpt } from "../text/quote-excerpt.ts";
import { createReporter, type Reporter } from "./reporter.ts";

/** One command of the table. */
export interface CommandEntry {
  /** The words that name it, e.g. `config check`. */
  readonly name: string;
  /** One line for the help. */
  readonly summary: string;
  /** Loads its spec (light: flags and help), which answers --help and usage errors. */
  readonly spec: () => Promise<CommandSpec<FlagSet>>;
  /** Loads the command. */
  readonly load: () => Promise<CliCommand>;
}

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "config check",
    summary: "Validate a network config and print it with flannel's defaults filled in",
    spec: async () => (await import("./specs/config-check.ts")).configCheckSpec,
    load: async () => (await import("./commands/config-check.ts")).default,
  },
  {
    name: "config set",
    summary: "Write the network config to etcd (validated first; --force to replace one)",
    spec: async () => (await import("./specs/config-set.ts")).configSetSpec,
    load: async () => (await import("./commands/config-set.ts")).default,
  },
  {
    name: "config get",
    summary: "Print the network config stored in etcd",
    spec: async () => (await import("./specs/config-get.ts")).configGetSpec,
    load: async () => (await import("./commands/config-get.ts")).default,
  },
  {
    name: "subnet alloc",
    summary: "Allocate one free subnet from a network config",
    spec: async () => (await import("./specs/subnet-alloc.ts")).subnetAllocSpec,
    load: async () => (await import("./commands/subnet-alloc.ts")).default,
  },
  {
    name: "leases",
    summary: "List the subnet leases in etcd (subnet, PublicIP, backend, TTL left, reserved)",
    spec: async () => (await import("./specs/leases.ts")).leasesSpec,
    load: async () => (await import("./commands/leases.ts")).default,
  },
  {
    name: "lease acquire",
    summary: "Acquire or reuse this host's lease, write subnet.env, print the lease",
    spec: async () => (await import("./specs/lease-acquire.ts")).leaseAcquireSpec,
    load: async () => (await import("./commands/lease-acquire.ts")).default,
  },
  {
    name: "docker-opts",
    summary: "Write Docker options from subnet.env, as flannel's mk-docker-opts.sh does",
    spec: async () => (await import("./specs/docker-opts.ts")).dockerOptsSpec,
    load: async () => (await import("./commands/docker-opts.ts")).default,
  },
  {
    name: "docker-config",
    summary: "Merge the lease's bip and mtu into Docker's daemon.json",
    spec: async () => (await import("./specs/docker-config.ts")).dockerConfigSpec,
    load: async () => (await import("./commands/docker-config.ts")).default,
  },
  {
    name: "udp",
    summary: "Run the UDP data path with static routes",
    spec: async () => (await import("./specs/udp.ts")).udpSpec,
    load: async () => (await import("./commands/udp.ts")).default,
  },
  {
    name: "agent",
    summary: "Run the flannel agent: lease, subnet.env, UDP overlay, renewals",
    spec: async () => (await import("./specs/agent.ts")).agentSpec,
    load: async () => (await import("./commands/agent.ts")).default,
  },
  {
    name: "demo",
    summary: "Two simulated hosts run the agent, lease subnets and ping across the overlay",
    spec: async () => (await import("./specs/demo.ts")).demoSpec,
    load: async () => (await import("./commands/demo.ts")).default,
  },
  {
    name: "pipework",
    summary: "Put a running container on a host bridge at a chosen address (pipework)",
    spec: async () => (await import("./specs/pipework.ts")).pipeworkSpec,
    load: async () => (await import("./commands/pipework.ts")).default,
  },
];

/** The groups: a first word that several commands share. */
const GROUPS: ReadonlyMap<string, readonly CommandEntry[]> = new Map(
  ["config", "subnet", "lease"].map((group) => [group, COMMANDS.filter((c) => c.name.startsWith(`${group} `))] as const),
);

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

const list = (entries: readonly CommandEntry[]): string[] => entries.map((c) => `  ${c.name.padEnd(16)} ${c.summary}`);

/**
 * The top-level help: the commands, the flags, the exit codes.
 *
 * @returns the text, ending in a newline
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { topUsage } from "./main.ts";
 * assert.match(topUsage(), /^Usage: flannel-ts <command> \[flags\]\n/);
 * ```
 */
export function topUsage(): string {
  return [
    "Usage: flannel-ts <command> [flags]",
    "",
    "flannel's subnet leases, host configuration and UDP overlay.",
    "",
    "Commands:",
    ...list(COMMANDS),
    "",
    "Flags:",
    "  -h, --help       show help (also after a command or a group: flannel-ts config --help)",
    "  -v, --version    print the version",
    "  --json           (after a command) JSON output; errors as JSON objects on stderr",
    "",
    "Exit status:",
    ...EXIT_CODE_TABLE.map(([code, meaning]) => `  ${String(code).padEnd(4)} ${meaning}`),
    "",
  ].join("\n");
}

function groupUsage(group: string, entries: readonly CommandEntry[]): string {
  return [`Usage: flannel-ts ${group} <command> [flags]`, "", "Commands:", ...list(entries), "", `Run flannel-ts ${group} <command> --help for a command's flags.`, ""].join("\n");
}

const isHelp = (arg: string | undefined): boolean => arg === "-h" || arg === "--help" || arg === "-help" || arg === "help";

/**
 * Runs the CLI with `argv` (without node and script) and resolves to the
 * exit code. An exception nobody expected is reported as one line
 * (`internal error: ...`, the stack with FLANNEL_TS_DEBUG=1) and exit 70.
 *
 * @param argv the arguments
 * @param io output streams and environment
 * @returns the exit code (see the exit-code table)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./main.ts";
 * const code = await main(["config", "check", '{"Network":"10.5.0.0/16"}'], { out: (t) => void t, err: (t) => void t, env: {} });
 * assert.equal(code, 0);
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const report = createReporter(io, "flannel-ts", wantsJson(argv));
  try {
    return await dispatch(argv, io, report);
  } catch (cause) {
    return report.internal(cause);
  }
}

async function dispatch(argv: readonly string[], io: CliIo, report: Reporter): Promise<number> {
  const [first, second] = argv;
  if (first === undefined) {
    io.err(topUsage());
    return EXIT.usage;
  }
  if (isHelp(first)) {
    io.out(topUsage());
    return EXIT.ok;
  }
  if (first === "-v" || first === "--version") {
    io.out(`flannel-ts ${version()}\n`);
    return EXIT.ok;
  }
  const group = GROUPS.get(first);
  if (group !== undefined && (second === undefined || second.startsWith("-") || isHelp(second))) {
    if (isHelp(second)) {
      io.out(groupUsage(first, group));
      return EXIT.ok;
    }
    io.err(groupUsage(first, group));
    return EXIT.usage;
  }
  const entry = COMMANDS.find((c) => c.name === first || c.name === `${first} ${second}`);
  if (entry === undefined) {
    const unknown = group === undefined ? first : `${first} ${second ?? ""}`;
    return report.error({
      kind: "unknown-command",
      message: `unknown command ${quoteExcerpt(unknown)}; run flannel-ts ${group === undefined ? "" : `${first} `}--help for the list`,
    }, EXIT.usage);
  }
  const rest = argv.slice(entry.name.split(" ").length);
  const answered = answerWithoutRunning(await entry.spec(), rest, io);
  if (answered !== undefined) return answered;
  return (await entry.load()).run(rest, io);
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
  const fatal = createReporter(io, "flannel-ts", wantsJson(process.argv.slice(2)));
  // Node's own warnings (a dependency's deprecated call) are not the user's business; FLANNEL_TS_DEBUG=1 shows them.
  // noDeprecation too: without it, NODE_OPTIONS=--throw-deprecation turns a dependency's deprecated call into a crash.
  if (process.env["FLANNEL_TS_DEBUG"] !== "1") {
    process.noDeprecation = true;
    process.removeAllListeners("warning");
  }
  // An exception thrown outside any command's await (an event handler of a
  // client library): one line, exit 70, never a stack.
  process.on("uncaughtException", (cause) => {
    process.exit(fatal.internal(cause));
  });
  process.on("unhandledRejection", (cause) => {
    process.exit(fatal.internal(cause));
  });
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (cause: unknown) => {
      process.exitCode = fatal.internal(cause);
    },
  );
}
