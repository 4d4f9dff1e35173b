// TCP through two agents' VXLAN against a bare kernel VXLAN pair, side by
// side in one run. Two hosts (namespaces on a veth pair) each run
// `flannel-ts agent` on the vxlan backend; the same hosts also get a VXLAN
// pair made by hand (`ip link add vxbare type vxlan id 99 ... remote ...`).
// iperf3 runs between the hosts' bridges through flannel.1, then between
// the bare pair's addresses, then on the veth itself for reference,
// interleaved for a few rounds; medians and the agents' ratio to the bare
// pair are printed (under 0.9 would mean a wrong MTU or lost offloads).
// Needs root, iproute2, iperf3 and `npm run build`.
//
//   npx tsx bench/backends/throughput.ts [--rounds 3] [--seconds 5]
import { parseArgs } from "node:util";
import type { Underlay } from "../../test/helpers/netns.ts";
import { median, openSite, rtnetlinkIn } from "./_site.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" }, seconds: { type: "string", default: "5" } } });
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);

interface Sample {
  readonly gbps: number;
  readonly retransmits: number;
}

async function iperf(net: Underlay, source: string, target: string): Promise<Sample> {
  const server = net.start(net.b, "iperf3", ["-s", "-1", "--forceflush", "-B", target, "-p", "5302"]);
  await server.waitFor(/Server listening/);
  const out = await net.run(net.a, "iperf3", ["-c", target, "-B", source, "-p", "5302", "-t", String(seconds), "-J"], (seconds + 30) * 1000);
  await server.exited;
  if (out.code !== 0) throw new Error(`iperf3 ${source} -> ${target}: ${out.stderr || out.stdout}`);
  const end = (JSON.parse(out.stdout) as { end: { sum_received: { bits_per_second: number }; sum_sent: { retransmits: number } } }).end;
  return { gbps: end.sum_received.bits_per_second / 1e9, retransmits: end.sum_sent.retransmits };
}

const started = Date.now();
const phase = (what: string): void => console.error(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
const site = await openSite();
phase("etcd, namespaces and relay up");
const net = site.underlay;
try {
  const prefix = "/fl-vx-bench-tcp/network";
  await site.etcd.etcdctl(["put", `${prefix}/config`, '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}']);
  const a = await site.startAgent(net.a, net.vethA, prefix, "a");
  const b = await site.startAgent(net.b, net.vethB, prefix, "b");
  phase(`agents running: ${a.subnet}, ${b.subnet}`);
  // The bridges that stand for docker0, with the leases' first addresses.
  const first = (subnet: string): string => subnet.replace(/\.0\/24$/, ".1");
  for (const [ns, subnet] of [[net.a, a.subnet], [net.b, b.subnet]] as const) {
    await net.must(ns, "ip", ["link", "add", "flvxbr", "type", "bridge"]);
    await net.must(ns, "ip", ["addr", "add", `${first(subnet)}/24`, "dev", "flvxbr"]);
    await net.must(ns, "ip", ["link", "set", "flvxbr", "up"]);
  }
  // The bare pair: what `ip link add` gives with the same lower device and the kernel's defaults.
  for (
    const [ns, veth, local, remote, address] of [
      [net.a, net.vethA, "192.0.2.1", "192.0.2.2", "10.99.0.1/24"],
      [net.b, net.vethB, "192.0.2.2", "192.0.2.1", "10.99.0.2/24"],
    ] as const
  ) {
    await net.must(ns, "ip", ["link", "add", "vxbare", "type", "vxlan", "id", "99", "local", local, "remote", remote, "dstport", "4799", "dev", veth]);
    await net.must(ns, "ip", ["addr", "add", address, "dev", "vxbare"]);
    await net.must(ns, "ip", ["link", "set", "vxbare", "up"]);
  }
  const rtnl = rtnetlinkIn(net.a);
  const devices = (await rtnl.links())._unsafeUnwrap().filter((l) => l.name === "flannel.1" || l.name === "vxbare");
  rtnl.close();
  for (let i = 0; i < 100 && (await net.run(net.a, "ip", ["route", "get", first(b.subnet)])).stdout.includes("flannel.1") === false; i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  const paths = [
    { name: "two agents' VXLAN (flannel.1)", source: first(a.subnet), target: first(b.subnet) },
    { name: "bare kernel VXLAN pair (ip link add)", source: "10.99.0.1", target: "10.99.0.2" },
    { name: "veth, no overlay", source: "192.0.2.1", target: "192.0.2.2" },
  ];
  const samples = new Map<string, Sample[]>(paths.map((p) => [p.name, []]));
  for (let round = 1; round <= rounds; round++) {
    for (const path of paths) {
      const sample = await iperf(net, path.source, path.target);
      samples.get(path.name)!.push(sample);
      console.log(`round ${round}: ${path.name}: ${sample.gbps.toFixed(2)} Gbit/s, ${sample.retransmits} retransmits`);
    }
  }
  console.log(`\nMTUs: ${devices.map((d) => `${d.name} ${d.mtu}`).join(", ")}; ${rounds} rounds of ${seconds} s, medians:`);
  for (const path of paths) {
    const runs = samples.get(path.name)!;
    console.log(
      `| ${path.name} | ${median(runs.map((s) => s.gbps)).toFixed(2)} Gbit/s | ${runs.map((s) => s.gbps.toFixed(2)).join(", ")} | ${median(runs.map((s) => s.retransmits))} |`,
    );
  }
  const ratio = median(samples.get(paths[0]!.name)!.map((s) => s.gbps)) / median(samples.get(paths[1]!.name)!.map((s) => s.gbps));
  console.log(`agents / bare pair: ${ratio.toFixed(2)}`);
  a.process.signal("SIGTERM");
  b.process.signal("SIGTERM");
  await Promise.all([a.process.exited, b.process.exited]);
} finally {
  await site.destroy();
}
