import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { systemClock } from "../../core/clock.ts";
import { demoDockerStep } from "../../demo/demo-docker-step.ts";
import { DgramDatagramSocket } from "../../demo/dgram-datagram-socket.ts";
import { loopbackSite } from "../../demo/loopback-site.ts";
import { netnsSite } from "../../demo/netns-site.ts";
import { runDemo } from "../../demo/run-demo.ts";
import { SEED_DAEMON_JSON } from "../../demo/seed-daemon-json.ts";
import { MemoryRegistry } from "../../etcd/memory-registry.ts";
import type { Registry } from "../../etcd/registry.ts";
import { runCommand } from "../../node/run-command.ts";
import { cryptoRandom, seededRandom } from "../../subnet/random.ts";
import { ETCD_FLAG_OPTIONS, openEtcdRegistry, resolveEtcdSettings } from "../etcd-flags.ts";
import type { CliCommand, CliIo } from "../io.ts";

const DEMO_PREFIX = "/atomic.io/network";

const usage = `Usage: flannel-ts demo [--count N] [--seed N] [--interval MS] [--netns] [--etcd-endpoints URLS [--etcd-prefix PATH] ...]

flannel's main job on one machine, without root: two simulated hosts run the
agent on one store, lease subnets of 172.20.0.0/16, show the subnet.env and
the daemon.json they would write, and ping from a container on each host to
the other's through their UDP engines, over real UDP sockets on 127.0.0.1 and
127.0.0.2. Nothing is written to disk; the leases are released at the end.

Flags:
  --count N              echo requests each way (default 3, at most 100)
  --seed N               pick the subnets with a seeded random source: the same
                         leases on every run on an empty store (default: random)
  --interval MS          milliseconds between two echo requests (default 200)
  --netns                as root: each host in a network namespace (veth pair
                         with 192.0.2.1 and 192.0.2.2), its engine a
                         flannel-ts udp process with a TUN device, docker0 with
                         the lease's bip and a container namespace behind it;
                         the kernel's ping between the containers; all removed
                         at the end. Needs iproute2 and ping.
  --etcd-endpoints URLS  use etcd (comma-separated client URLs) instead of the
                         in-memory store
  --etcd-prefix PATH     key prefix in etcd (default ${DEMO_PREFIX}); it must hold
                         no config or the same network config
  --etcd-cafile FILE, --etcd-certfile FILE, --etcd-keyfile FILE,
  --etcd-username NAME, --etcd-password PASS
                         TLS and authentication for etcd, as for flanneld
  -h, --help             show this help

The demo reads only its flags, never FLANNELD_* variables: it must not join a
real flannel network by accident.

Exit status: 0 when every echo request got its reply, 1 otherwise, 2 for a usage error.
`;

function fail(io: CliIo, message: string, code: number): number {
  io.err(`flannel-ts demo: ${message}\n`);
  return code;
}

function integerFlag(value: string | undefined, name: string, min: number, max: number): number | string | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) return `--${name} ${JSON.stringify(value)} is not an integer`;
  const n = Number(value);
  if (n < min || n > max) return `--${name} ${n} is out of range: give ${min} to ${max}`;
  return n;
}

const command: CliCommand = {
  summary: "Two simulated hosts run the agent, lease subnets and ping across the overlay",
  usage,
  run: async (argv, io) => {
    const options = { count: { type: "string" }, seed: { type: "string" }, interval: { type: "string" }, netns: { type: "boolean" }, ...ETCD_FLAG_OPTIONS } as const;
    let values: ReturnType<typeof parseArgs<{ args: string[]; options: typeof options; strict: true }>>["values"];
    try {
      ({ values } = parseArgs({ args: [...argv], options, allowPositionals: false, strict: true }));
    } catch (cause) {
      return fail(io, `${cause instanceof Error ? cause.message : String(cause)}; see flannel-ts demo --help`, 2);
    }
    const count = integerFlag(values.count, "count", 1, 100) ?? 3;
    const seed = integerFlag(values.seed, "seed", 0, 0xffffffff);
    const interval = integerFlag(values.interval, "interval", 0, 10_000) ?? 200;
    for (const v of [count, seed, interval]) if (typeof v === "string") return fail(io, v, 2);

    if (values.netns === true && process.getuid?.() !== 0) {
      return fail(io, "--netns needs root: it creates network namespaces, veth pairs and TUN devices; run it with sudo, or leave --netns out for the demo without root", 2);
    }

    // From dist/cli/commands/ and from src/cli/commands/ alike: the package's dist/cli/main.js.
    const builtCli = fileURLToPath(new URL("../../../dist/cli/main.js", import.meta.url));
    if (values.netns === true && !existsSync(builtCli)) {
      return fail(io, `--netns runs each host's engine with the built CLI, and ${builtCli} is missing: run npm run build first`, 1);
    }

    let registry: Registry;
    let storeLabel: string;
    if (values["etcd-endpoints"] !== undefined) {
      const opened = resolveEtcdSettings({ ...values, "etcd-prefix": values["etcd-prefix"] ?? DEMO_PREFIX }, {}).andThen((settings) =>
        openEtcdRegistry(settings).map((r) => [r, settings.endpoints] as const),
      );
      if (opened.isErr()) return fail(io, opened.error.message, 2);
      [registry] = opened.value;
      storeLabel = `etcd (${opened.value[1].join(", ")})`;
    } else {
      const stray = Object.keys(ETCD_FLAG_OPTIONS).find((flag) => values[flag as keyof typeof values] !== undefined);
      if (stray !== undefined) return fail(io, `--${stray} needs --etcd-endpoints: without it the demo uses its in-memory store`, 2);
      registry = new MemoryRegistry({ prefix: DEMO_PREFIX });
      storeLabel = "in-memory store";
    }

    const site =
      values.netns === true
        ? netnsSite({
            run: runCommand,
            // The built CLI runs each host's engine: its forwarding threads load the built worker.
            flannelTs: [process.execPath, builtCli],
            seedDaemonJson: SEED_DAEMON_JSON,
            prefix: `ftd${process.pid % 100_000}`,
          })
        : undefined;
    const removeOnSignal = (signal: NodeJS.Signals): void => {
      io.err(`flannel-ts demo: ${signal}: removing the namespaces\n`);
      void (site?.abort() ?? Promise.resolve()).finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    };
    if (site !== undefined) {
      process.once("SIGINT", removeOnSignal);
      process.once("SIGTERM", removeOnSignal);
    }
    try {
      const report = await runDemo({
        registry,
        storeLabel,
        count: count as number,
        intervalMs: interval as number,
        random: typeof seed === "number" ? seededRandom(seed) : cryptoRandom(),
        clock: systemClock,
        site:
          site ??
          loopbackSite({
            bindSocket: (address, port) => DgramDatagramSocket.bind(address, port),
            docker: () => demoDockerStep({ seed: SEED_DAEMON_JSON }),
            clock: systemClock,
            micros: () => performance.now() * 1000,
          }),
        print: (line) => io.out(`${line}\n`),
      });
      if (report.isErr()) return fail(io, report.error.message, 1);
      const lost = report.value.pings.some((p) => p.received !== p.transmitted);
      return lost ? fail(io, "some echo requests got no reply (see the statistics above)", 1) : 0;
    } finally {
      process.off("SIGINT", removeOnSignal);
      process.off("SIGTERM", removeOnSignal);
      await registry.close();
    }
  },
};
export default command;
