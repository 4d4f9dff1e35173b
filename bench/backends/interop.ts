// A hand check of interoperability with flanneld (a binary you bring; none
// is part of this repository or its tests): on one etcd, `flannel-ts
// agent` in one namespace and flanneld in the other, for VXLAN, dual-stack
// VXLAN and host-gw: ping both ways (both families on dual stack) between
// the hosts' bridges, and for VXLAN iperf3 TCP between our agent and
// flanneld against two flanneld hosts in the same run (flanneld then takes
// over the first host, keeping its lease). Needs root, iproute2, iperf3 and
// `npm run build`.
//
//   npx tsx bench/backends/interop.ts --flanneld /path/to/flanneld
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Started, Underlay } from "../../test/helpers/netns.ts";
import { median, openSite } from "./_site.ts";

const { values } = parseArgs({ options: { flanneld: { type: "string" } } });
if (values.flanneld === undefined) throw new Error("give the flanneld binary: --flanneld /path/to/flanneld");
const FLANNELD = values.flanneld;
const site = await openSite();
const net = site.underlay;
const log = (s: string): void => console.log(s);

async function flanneld(ns: string, veth: string, prefix: string, name: string): Promise<{ process: Started; subnet: string; subnet6?: string }> {
  const file = join(site.dir, `${name}-flanneld.env`);
  const p = net.start(ns, FLANNELD, [`--etcd-endpoints=http://127.0.0.1:2379`, `--etcd-prefix=${prefix}`, `--iface=${veth}`, `--subnet-file=${file}`]);
  for (let i = 0; i < 200 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
  if (!existsSync(file)) throw new Error(`flanneld did not write ${file}:\n${p.stderr().slice(-3000)}`);
  await new Promise((r) => setTimeout(r, 300));
  const env = readFileSync(file, "utf8");
  return {
    process: p,
    subnet: /FLANNEL_SUBNET=(\S+)/.exec(env)![1]!.replace(/\.1\//, ".0/"),
    ...(/FLANNEL_IPV6_SUBNET=(\S+)/.test(env) ? { subnet6: /FLANNEL_IPV6_SUBNET=(\S+)/.exec(env)![1]! } : {}),
  };
}

async function bridge(ns: string, subnet: string, subnet6?: string): Promise<{ v4: string; v6?: string }> {
  await net.run(ns, "ip", ["link", "del", "flvxbr"]);
  await net.must(ns, "ip", ["link", "add", "flvxbr", "type", "bridge"]);
  const v4 = subnet.replace(/\.0\/24$/, ".1");
  await net.must(ns, "ip", ["addr", "add", `${v4}/24`, "dev", "flvxbr"]);
  let v6: string | undefined;
  if (subnet6 !== undefined) {
    v6 = subnet6.replace(/::(1)?\/64$/, "::1");
    await net.must(ns, "ip", ["addr", "add", `${v6}/64`, "dev", "flvxbr", "nodad"]);
  }
  await net.must(ns, "ip", ["link", "set", "flvxbr", "up"]);
  return { v4, ...(v6 === undefined ? {} : { v6 }) };
}

async function ping(n: Underlay, ns: string, src: string, dst: string): Promise<boolean> {
  let out = { stdout: "" };
  for (let i = 0; i < 5; i++) {
    out = await n.run(ns, "ping", ["-c", "3", "-i", "0.2", "-W", "2", "-I", src, dst]);
    if (/ 3 received/.test(out.stdout)) return true;
    await new Promise((r) => setTimeout(r, 1000));
  }
  log(out.stdout);
  return false;
}

async function iperf(src: string, dst: string, seconds = 5): Promise<number> {
  const server = net.start(net.b, "iperf3", ["-s", "-1", "--forceflush", "-B", dst, "-p", "5303"]);
  await server.waitFor(/Server listening/);
  const out = await net.run(net.a, "iperf3", ["-c", dst, "-B", src, "-p", "5303", "-t", String(seconds), "-J"], 60_000);
  await server.exited;
  return (JSON.parse(out.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second / 1e9;
}

async function stop(p: Started): Promise<void> {
  p.signal("SIGTERM");
  await p.exited;
}

try {
  await net.must(net.a, "ip", ["addr", "add", "fd00:9::1/64", "dev", net.vethA, "nodad"]);
  await net.must(net.b, "ip", ["addr", "add", "fd00:9::2/64", "dev", net.vethB, "nodad"]);
  for (
    const [label, config] of [
      ["VXLAN", '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}'],
      ["dual-stack VXLAN", '{"Network":"10.6.0.0/16","EnableIPv6":true,"IPv6Network":"fd10::/56","Backend":{"Type":"vxlan"}}'],
      ["host-gw", '{"Network":"10.7.0.0/16","Backend":{"Type":"host-gw"}}'],
    ] as const
  ) {
    const prefix = `/fl-vx-interop-${label.replace(/\W/g, "")}/network`;
    await site.etcd.etcdctl(["put", `${prefix}/config`, config]);
    const fb = await flanneld(net.b, net.vethB, prefix, "b");
    const ours = await site.startAgent(net.a, net.vethA, prefix, "a");
    const envA = readFileSync(join(site.dir, "a.env"), "utf8");
    const a6 = /FLANNEL_IPV6_SUBNET=(\S+)/.exec(envA)?.[1];
    const ba = await bridge(net.a, ours.subnet, a6);
    const bb = await bridge(net.b, fb.subnet, fb.subnet6);
    const results: string[] = [];
    results.push(`ours->flanneld v4 ${await ping(net, net.a, ba.v4, bb.v4)}`, `flanneld->ours v4 ${await ping(net, net.b, bb.v4, ba.v4)}`);
    if (ba.v6 !== undefined && bb.v6 !== undefined) {
      results.push(`ours->flanneld v6 ${await ping(net, net.a, ba.v6, bb.v6)}`, `flanneld->ours v6 ${await ping(net, net.b, bb.v6, ba.v6)}`);
    }
    const mixed: number[] = [];
    const flannelds: number[] = [];
    if (label === "VXLAN") {
      for (let round = 0; round < 3; round++) mixed.push(await iperf(ba.v4, bb.v4));
    }
    log(`${label}: ${results.join(", ")}${mixed.length > 0 ? `; iperf3 ours->flanneld ${mixed.map((x) => x.toFixed(2)).join(", ")} Gbit/s` : ""}`);
    log(`  leases: ${(await site.etcd.etcdctl(["get", "--prefix", `${prefix}/subnets/`])).stdout.trim().replace(/\n/g, " | ")}`);
    await stop(ours.process);
    if (label === "VXLAN") {
      const fa = await flanneld(net.a, net.vethA, prefix, "a2");
      await bridge(net.a, fa.subnet);
      if (!(await ping(net, net.a, ba.v4, bb.v4))) log("flanneld<->flanneld ping failed");
      for (let round = 0; round < 3; round++) flannelds.push(await iperf(ba.v4, bb.v4));
      log(
        `  iperf3 flanneld->flanneld ${flannelds.map((x) => x.toFixed(2)).join(", ")} Gbit/s; ratio of medians ${
          (median(mixed) / median(flannelds)).toFixed(2)
        } (subnet kept by flanneld at A: ${fa.subnet === ours.subnet})`,
      );
      await stop(fa.process);
    }
    await stop(fb.process);
    for (const ns of [net.a, net.b]) for (const dev of ["flannel.1", "flannel-v6.1", "flvxbr"]) await net.run(ns, "ip", ["link", "del", dev]);
  }
} finally {
  await site.destroy();
}
