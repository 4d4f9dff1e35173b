// A hand check of `--iface-can-reach` against flanneld (a binary you bring;
// none is part of this repository or its tests). Host A's namespace gets a
// second interface (one end of a veth pair, with 198.51.100.1/24) beside its veth
// (192.0.2.1/24); flanneld and `flannel-ts agent` are each started there,
// one after the other, with `--iface-can-reach` set to an address behind
// each interface, and with an address that has no route. For each, the
// lease's PublicIP in etcd and the exit are compared. host-gw, so that no
// device is made. Needs root, iproute2 and `npm run build`.
//
//   npx tsx bench/backends/iface-can-reach.ts --flanneld /path/to/flanneld
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Started } from "../../test/helpers/netns.ts";
import { CLI, openSite } from "./_site.ts";

const { values } = parseArgs({ options: { flanneld: { type: "string" } } });
if (values.flanneld === undefined) throw new Error("give the flanneld binary: --flanneld /path/to/flanneld");
const FLANNELD = values.flanneld;
const site = await openSite();
const net = site.underlay;

/** Runs one agent until it holds a lease (or exits); returns the lease's PublicIP or how it ended. */
async function outcome(p: Started, prefix: string): Promise<string> {
  const exited = p.exited.then(() => "exited");
  for (let i = 0; i < 100; i++) {
    const leases = (await site.etcd.etcdctl(["get", "--prefix", `${prefix}/subnets/`, "--print-value-only"])).stdout.trim();
    if (leases !== "") {
      p.signal("SIGTERM");
      await p.exited;
      return `PublicIP ${String((JSON.parse(leases.split("\n")[0]!) as { PublicIP: string }).PublicIP)}`;
    }
    const done = await Promise.race([exited, new Promise((r) => setTimeout(() => r("waiting"), 100))]);
    if (done === "exited") return `exited without a lease: ${p.stderr().trim().split("\n").slice(-1)[0]}`;
  }
  p.signal("SIGKILL");
  await p.exited;
  return "no lease within 10 s";
}

try {
  // No dummy driver on every kernel: a veth pair kept inside A serves as the second interface.
  await net.must(net.a, "ip", ["link", "add", "fl-other", "type", "veth", "peer", "name", "fl-other-p"]);
  await net.must(net.a, "ip", ["addr", "add", "198.51.100.1/24", "dev", "fl-other"]);
  for (const dev of ["fl-other", "fl-other-p"]) await net.must(net.a, "ip", ["link", "set", dev, "up"]);
  let n = 0;
  for (const target of ["192.0.2.2", "198.51.100.9", "203.0.113.9"]) {
    const seen: string[] = [];
    for (const who of ["flanneld", "ours"] as const) {
      const prefix = `/fl-reach-${n++}/network`;
      await site.etcd.etcdctl(["put", `${prefix}/config`, '{"Network":"10.8.0.0/16","Backend":{"Type":"host-gw"}}']);
      const common = [
        `--etcd-endpoints=http://127.0.0.1:2379`,
        `--etcd-prefix=${prefix}`,
        `--iface-can-reach=${target}`,
        `--subnet-file=${join(site.dir, `${prefix.split("/")[1]}.env`)}`,
      ];
      const p = who === "flanneld" ? net.start(net.a, FLANNELD, common) : net.start(net.a, process.execPath, [CLI, "agent", ...common]);
      seen.push(`${who}: ${await outcome(p, prefix)}`);
    }
    console.log(`--iface-can-reach=${target}: ${seen.join("; ")}`);
  }
} finally {
  await site.destroy();
}
