// UDP overlay throughput, side by side in one run: iperf3 TCP and ping RTT
// between two network namespaces (veth, TEST-NET underlay) through
//   - this engine (`flannel-ts udp`, offloads on, the default),
//   - this engine with --no-offload (one packet per system call),
//   - this engine on Deno (src/deno/udp-main.ts),
//   - the C per-packet forwarder tunudp.c (compiled here into a temp dir),
//   - the kernel's VXLAN,
//   - the bare veth (no overlay),
// plus the engine's peak RSS under load. Rounds are interleaved and the
// median is reported. Needs root, iproute2, iperf3, ping, gcc, and
// `npm run build`.
//
//   npx tsx bench/udp/overlay.ts [--rounds 3] [--seconds 5] [--c-source /work/shared/bench/tunudp.c]
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createUnderlay, must, type Started, type Underlay } from "../../test/helpers/netns.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "5" },
    "c-source": { type: "string", default: "/work/shared/bench/tunudp.c" },
    only: { type: "string" },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

interface Sample {
  readonly gbps: number;
  readonly retransmits: number;
  readonly rttAvgMs: number;
  readonly rttMinMs: number;
  /** Peak RSS of the forwarding processes (MiB), the larger of the two sides. */
  readonly peakRssMiB?: number;
  /** CPU time of both forwarding processes during the iperf3 run, in % of one core. */
  readonly cpuPercent?: number;
}

interface Variant {
  readonly name: string;
  /** Sets up the overlay in the namespaces; returns the processes to watch (if any). */
  readonly up: (net: Underlay) => Promise<Started[]>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function tunConfig(net: Underlay, ns: string, address: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await net.run(ns, "ip", ["link", "show", "fl0"])).code === 0) break;
    await sleep(50);
  }
  await net.must(ns, "ip", ["addr", "add", `${address}/32`, "dev", "fl0"]);
  await net.must(ns, "ip", ["link", "set", "fl0", "mtu", "1472", "up"]);
  await net.must(ns, "ip", ["route", "add", "10.5.0.0/16", "dev", "fl0"]);
}

function engine(extra: string[]): Variant["up"] {
  return async (net) => {
    const args = (
      subnet: string,
      bind: string,
      route: string,
    ): string[] => [CLI, "udp", "--tun", "fl0", "--subnet", subnet, "--network", "10.5.0.0/16", "--bind", bind, "--route", route, ...extra];
    const a = net.start(net.a, "node", args("10.5.1.0/24", "192.0.2.1", "10.5.2.0/24=192.0.2.2"));
    const b = net.start(net.b, "node", args("10.5.2.0/24", "192.0.2.2", "10.5.1.0/24=192.0.2.1"));
    await Promise.all([a.waitFor(/flannel-ts udp: fl0/), b.waitFor(/flannel-ts udp: fl0/)]);
    return [a, b];
  };
}

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The same engine on Deno (src/deno/udp-main.ts), the deno binary from node_modules. */
const onDeno: Variant["up"] = async (net) => {
  const args = (subnet: string, bind: string, route: string): string[] => [
    "run",
    "--config",
    `${ROOT}deno.json`,
    "-A",
    `${ROOT}src/deno/udp-main.ts`,
    "--tun",
    "fl0",
    "--subnet",
    subnet,
    "--network",
    "10.5.0.0/16",
    "--bind",
    bind,
    "--route",
    route,
  ];
  const deno = `${ROOT}node_modules/deno/deno`;
  const a = net.start(net.a, deno, args("10.5.1.0/24", "192.0.2.1", "10.5.2.0/24=192.0.2.2"));
  const b = net.start(net.b, deno, args("10.5.2.0/24", "192.0.2.2", "10.5.1.0/24=192.0.2.1"));
  await Promise.all([a.waitFor(/udp-main: fl0 up/, 60_000), b.waitFor(/udp-main: fl0 up/, 60_000)]);
  return [a, b];
};

function cForwarder(binary: string): Variant["up"] {
  return async (net) => {
    const a = net.start(net.a, binary, ["fl0", "192.0.2.1", "192.0.2.2", "8285"]);
    const b = net.start(net.b, binary, ["fl0", "192.0.2.2", "192.0.2.1", "8285"]);
    await tunConfig(net, net.a, "10.5.1.0");
    await tunConfig(net, net.b, "10.5.2.0");
    return [a, b];
  };
}

const vxlan: Variant["up"] = async (net) => {
  for (
    const [ns, local, remote, address, underlay] of [
      [net.a, "192.0.2.1", "192.0.2.2", "10.5.1.0", net.vethA],
      [net.b, "192.0.2.2", "192.0.2.1", "10.5.2.0", net.vethB],
    ] as const
  ) {
    await net.must(ns, "ip", ["link", "add", "vx0", "type", "vxlan", "id", "42", "local", local, "remote", remote, "dstport", "4789", "dev", underlay]);
    await net.must(ns, "ip", ["addr", "add", `${address}/16`, "dev", "vx0"]);
    await net.must(ns, "ip", ["link", "set", "vx0", "up"]);
  }
  return [];
};

/** The bare underlay, for scale: the overlay addresses on the veth ends. */
const veth: Variant["up"] = async (net) => {
  await net.must(net.a, "ip", ["addr", "add", "10.5.1.0/16", "dev", net.vethA]);
  await net.must(net.b, "ip", ["addr", "add", "10.5.2.0/16", "dev", net.vethB]);
  return [];
};

function procStat(pid: number): { cpuTicks: number; hwmKiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const cpuTicks = Number(fields[11]) + Number(fields[12]);
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return { cpuTicks, hwmKiB: Number(hwm?.[1] ?? 0) };
}

async function measure(variant: Variant): Promise<Sample> {
  const net = await createUnderlay("ub");
  try {
    const watched = await variant.up(net);
    const ping = await net.run(net.a, "ping", ["-c", "20", "-i", "0.05", "-W", "2", "10.5.2.0"], 30_000);
    const rtt = /rtt min\/avg\/max\/mdev = ([\d.]+)\/([\d.]+)\//.exec(ping.stdout);
    if (rtt === null) throw new Error(`${variant.name}: ping failed: ${ping.stdout}${ping.stderr}`);
    const server = net.start(net.b, "iperf3", ["-s", "-1", "-B", "10.5.2.0", "--forceflush"]);
    await server.waitFor(/Server listening/);
    const pids = watched.map((p) => p.child.pid!);
    const before = pids.map(procStat);
    const client = await net.run(net.a, "iperf3", ["-c", "10.5.2.0", "-t", String(seconds), "-J"], (seconds + 30) * 1000);
    const after = pids.map(procStat);
    await server.exited;
    const report = JSON.parse(client.stdout) as { end?: { sum_received: { bits_per_second: number }; sum_sent: { retransmits?: number } }; error?: string };
    if (report.end === undefined) throw new Error(`${variant.name}: iperf3 failed: ${report.error ?? client.stderr}`);
    const ticks = after.reduce((s, a, i) => s + a.cpuTicks - before[i]!.cpuTicks, 0);
    return {
      gbps: report.end.sum_received.bits_per_second / 1e9,
      retransmits: report.end.sum_sent.retransmits ?? 0,
      rttAvgMs: Number(rtt[2]),
      rttMinMs: Number(rtt[1]),
      ...(pids.length > 0 ? { peakRssMiB: Math.max(...after.map((a) => a.hwmKiB)) / 1024, cpuPercent: (ticks / 100 / seconds) * 100 } : {}),
    };
  } finally {
    await net.destroy();
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("run as root: the benchmark creates network namespaces and TUN devices");
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const source = values["c-source"];
  if (!existsSync(source)) throw new Error(`the C forwarder's source ${source} is missing: pass --c-source PATH`);
  const dir = mkdtempSync(join(tmpdir(), "tunudp-"));
  const binary = join(dir, "tunudp");
  await must("gcc", ["-O2", "-o", binary, source]);
  const variants: Variant[] = [
    { name: "flannel-ts udp (offload)", up: engine([]) },
    { name: "flannel-ts udp --no-offload", up: engine(["--no-offload"]) },
    { name: "same engine on Deno (offload)", up: onDeno },
    { name: "C forwarder (tunudp.c)", up: cForwarder(binary) },
    { name: "kernel VXLAN", up: vxlan },
    { name: "veth, no overlay", up: veth },
  ].filter((v) => values.only === undefined || v.name.includes(values.only));
  const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      for (const variant of variants) {
        const sample = await measure(variant);
        samples.get(variant.name)!.push(sample);
        console.error(
          `round ${round + 1} ${variant.name}: ${sample.gbps.toFixed(2)} Gbit/s, rtt ${sample.rttAvgMs} ms${
            sample.peakRssMiB === undefined ? "" : `, rss ${sample.peakRssMiB.toFixed(0)} MiB, cpu ${sample.cpuPercent!.toFixed(0)}%`
          }`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const cGbps = median(samples.get("C forwarder (tunudp.c)")?.map((s) => s.gbps) ?? [NaN]);
  const fmt = (n: number | undefined, digits: number): string => (n === undefined || Number.isNaN(n) ? "-" : n.toFixed(digits));
  console.log(`iperf3 TCP ${seconds} s, ${rounds} interleaved rounds, medians (all rounds in brackets)\n`);
  console.log("| path | Gbit/s | x C | retransmits | ping avg ms | ping min ms | peak RSS MiB | CPU % of a core |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const [name, list] of samples) {
    const gbps = list.map((s) => s.gbps);
    const pick = (f: (s: Sample) => number | undefined): number | undefined => {
      const xs = list.map(f).filter((x): x is number => x !== undefined);
      return xs.length === 0 ? undefined : median(xs);
    };
    console.log(
      `| ${name} | ${fmt(median(gbps), 2)} (${gbps.map((g) => g.toFixed(2)).join(", ")}) | ${fmt(median(gbps) / cGbps, 2)} | ${fmt(pick((s) => s.retransmits), 0)} | ${
        fmt(pick((s) => s.rttAvgMs), 3)
      } | ${fmt(pick((s) => s.rttMinMs), 3)} | ${fmt(pick((s) => s.peakRssMiB), 0)} | ${fmt(pick((s) => s.cpuPercent), 0)} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
