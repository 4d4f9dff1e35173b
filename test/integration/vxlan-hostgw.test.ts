// The VXLAN and host-gw backends on the kernel, between two agents on a real
// etcd: each host is a network namespace (`fl-vx-a-*`, `fl-vx-b-*`) joined
// to the other by a veth pair on TEST-NET addresses, with a bridge that
// stands for docker0 (the lease's first address on it). The agents run in
// this process (startNodeAgent, with etcd reached from the root
// namespace); only their rtnetlink sockets are opened inside the hosts'
// namespaces (a socket stays in the namespace it was made in), and their
// iptables rules go there too. The kernel's ping and iperf3 run in the
// namespaces.
import { closeSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import koffi from "koffi";
import type { Result } from "neverthrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3Registry } from "../../src/etcd/index.ts";
import { type AgentEvent, formatAgentEvent } from "../../src/flannel/index.ts";
import { formatMac, type NetlinkTransportError, RT_TABLE, type Rtnetlink } from "../../src/netlink/index.ts";
import { iptablesFirewall, type NodeAgent, nodeBackends, openRtnetlink, routeToAddress, runCommand, startNodeAgent } from "../../src/node/index.ts";
import { type Cidr4, type Cidr6, cidrAddress, formatCidr, formatIp, type Ip, ip4, parseCidr4, parseIp } from "../../src/subnet/index.ts";
import { type EtcdNode, startEtcd } from "../../src/testing/index.ts";
import { createUnderlay, must, run, type Underlay } from "../helpers/netns.ts";

const CLONE_NEWNET = 0x40000000;
const libc = koffi.load("libc.so.6");
const setns = libc.func("int setns(int fd, int nstype)") as (fd: number, nstype: number) => number;

/** Runs `fn` with this thread in the namespace `ns`, and back. Sockets made in `fn` stay in `ns`. */
function inNamespace<T>(ns: string, fn: () => T): T {
  const home = openSync("/proc/thread-self/ns/net", "r");
  const target = openSync(`/run/netns/${ns}`, "r");
  const back = (): void => {
    if (setns(home, CLONE_NEWNET) !== 0) throw new Error(`setns back from ${ns} failed: errno ${koffi.errno()}`);
  };
  try {
    if (setns(target, CLONE_NEWNET) !== 0) throw new Error(`setns into ${ns} failed: errno ${koffi.errno()}`);
    let value: T;
    try {
      value = fn();
    } catch (cause) {
      back();
      throw cause;
    }
    back();
    return value;
  } finally {
    closeSync(home);
    closeSync(target);
  }
}

const rtnetlinkIn = (ns: string) => (): Result<Rtnetlink, NetlinkTransportError> => inNamespace(ns, () => openRtnetlink());

/** Waits until `check` gives a value other than undefined (or false). */
async function until<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Host {
  readonly name: "a" | "b";
  readonly ns: string;
  readonly veth: string;
  readonly ipv4: string;
  readonly ipv6: string;
  readonly bridge: string;
  readonly events: string[];
  /** The test's own view of the namespace's tables. */
  readonly rtnl: Rtnetlink;
  agent?: NodeAgent | undefined;
  registry?: Etcd3Registry | undefined;
}

const tmp = mkdtempSync(join(tmpdir(), "fl-vx-"));
let etcd: EtcdNode;
beforeAll(async () => {
  etcd = await startEtcd({ name: "fl-vx-etcd" });
});
afterAll(async () => {
  await etcd?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

/** Two hosts on a fresh underlay (192.0.2.1/24 + fd00:9::1/64 and .2/::2), agents not started. */
async function site(): Promise<{ underlay: Underlay; a: Host; b: Host; destroy: () => Promise<void> }> {
  const underlay = await createUnderlay("fl-vx");
  const hosts: Host[] = [];
  for (const [name, ns, veth, n] of [["a", underlay.a, underlay.vethA, 1], ["b", underlay.b, underlay.vethB, 2]] as const) {
    await must("ip", ["-n", ns, "addr", "add", `fd00:9::${n}/64`, "dev", veth, "nodad"]);
    const rtnl = rtnetlinkIn(ns)()._unsafeUnwrap();
    hosts.push({ name, ns, veth, ipv4: `192.0.2.${n}`, ipv6: `fd00:9::${n}`, bridge: `flvxbr${name}`, events: [], rtnl });
  }
  const [a, b] = hosts as [Host, Host];
  return {
    underlay,
    a,
    b,
    destroy: async () => {
      for (const h of hosts) {
        await stopAgent(h);
        h.rtnl.close();
      }
      await underlay.destroy();
    },
  };
}

/**
 * Starts the host's agent on `--iface <veth>`, or with `ifaceCanReach` on
 * `--iface-can-reach <address>` alone: the interface and PublicIP then come
 * from the kernel's route to that address in the host's namespace.
 */
async function startAgent(host: Host, prefix: string, choice: { readonly ifaceCanReach?: string } = {}): Promise<NodeAgent> {
  const registry = new Etcd3Registry({ endpoints: [...etcd.endpoints], prefix });
  const started = await startNodeAgent({
    registry,
    log: (event: AgentEvent) => host.events.push(formatAgentEvent(event)),
    ...(choice.ifaceCanReach === undefined
      ? { iface: [host.veth] }
      : { ifaceCanReach: choice.ifaceCanReach, routeTo: (address: Ip) => routeToAddress(address, rtnetlinkIn(host.ns)) }),
    interfaces: [{ name: host.veth, mtu: 1500, addresses: [parseIp(host.ipv4)._unsafeUnwrap(), parseIp(host.ipv6)._unsafeUnwrap()] }],
    defaultRouteInterface: host.veth,
    subnetFile: join(tmp, `${prefix.replaceAll("/", "_")}-${host.name}.env`),
    firewall: iptablesFirewall({ run: (command, args) => runCommand("ip", ["netns", "exec", host.ns, command, ...args]) }),
    backends: nodeBackends({ openRtnetlink: rtnetlinkIn(host.ns) }),
    reconcileSeconds: 1,
  });
  if (started.isErr()) {
    await registry.close();
    throw new Error(`agent ${host.name} did not start: ${started.error.message}\n${host.events.join("\n")}`);
  }
  host.agent = started.value;
  host.registry = registry;
  return started.value;
}

async function stopAgent(host: Host): Promise<void> {
  await host.agent?.stop();
  await host.registry?.close();
  host.agent = undefined;
  host.registry = undefined;
}

/** The stand-in for docker0: a bridge with the lease's first address (and the IPv6 lease's), as the Docker step would give it. */
async function bridge(host: Host): Promise<{ v4: string; v6?: string }> {
  const lease = host.agent!.agent.status().lease;
  const v4 = formatIp(ip4(lease.subnet.address + 1));
  await run("ip", ["-n", host.ns, "link", "del", host.bridge]);
  await must("ip", ["-n", host.ns, "link", "add", host.bridge, "type", "bridge"]);
  await must("ip", ["-n", host.ns, "addr", "add", `${v4}/${lease.subnet.prefix}`, "dev", host.bridge]);
  let v6: string | undefined;
  if (lease.ipv6Subnet !== undefined) {
    v6 = formatIp({ family: 6, value: lease.ipv6Subnet.address + 1n });
    await must("ip", ["-n", host.ns, "addr", "add", `${v6}/${lease.ipv6Subnet.prefix}`, "dev", host.bridge, "nodad"]);
  }
  await must("ip", ["-n", host.ns, "link", "set", host.bridge, "up"]);
  return { v4, ...(v6 === undefined ? {} : { v6 }) };
}

async function ping(from: Host, source: string, to: string): Promise<string> {
  const out = await run("ip", ["netns", "exec", from.ns, "ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", source, to]);
  expect(out.stdout, `ping ${to} from ${from.ns}: ${out.stderr}`).toMatch(/ 3 received, 0% packet loss/);
  return out.stdout;
}

/** A short iperf3 TCP run; its throughput in Gbit/s. */
async function iperf(underlay: Underlay, client: Host, server: Host, source: string, target: string): Promise<number> {
  const listening = underlay.start(server.ns, "iperf3", ["-s", "-1", "--forceflush", "-B", target, "-p", "5301"]);
  await listening.waitFor(/Server listening/);
  const out = await run("ip", ["netns", "exec", client.ns, "iperf3", "-c", target, "-B", source, "-p", "5301", "-t", "2", "-J"], 30_000);
  await listening.exited;
  expect(out.code, out.stderr).toBe(0);
  const bits = (JSON.parse(out.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second;
  expect(bits).toBeGreaterThan(1e8);
  return bits / 1e9;
}

/** The VXLAN entries for one peer subnet on `device`, as the kernel holds them. */
async function vxlanEntries(host: Host, device: string, subnet: Cidr4 | Cidr6): Promise<{ route?: string; neighbour?: string; fdb?: string[] } | undefined> {
  const link = (await host.rtnl.linkByName(device))._unsafeUnwrap();
  if (link === undefined) return undefined;
  const family = subnet.family;
  const vtep = cidrAddress(subnet);
  const routes = (await host.rtnl.routes({ family, table: RT_TABLE.MAIN, oif: link }))._unsafeUnwrap();
  const route = routes.find((r) => formatCidr(r.dst) === formatCidr(subnet));
  const neighbour = (await host.rtnl.neighbours({ family, link }))._unsafeUnwrap().find((n) => formatIp(n.ip) === formatIp(vtep));
  const fdb = (await host.rtnl.fdb({ link }))._unsafeUnwrap().filter((e) => e.dst !== undefined);
  return {
    ...(route === undefined ? {} : { route: `${formatCidr(route.dst)} via ${formatIp(route.gateway!)}${route.onlink ? " onlink" : ""}` }),
    ...(neighbour?.mac === undefined ? {} : { neighbour: formatMac(neighbour.mac) }),
    fdb: fdb.map((e) => `${formatMac(e.mac)} ${formatIp(e.dst!)}`),
  };
}

const leaseValue = async (prefix: string, host: Host): Promise<string> => {
  const lease = host.agent!.agent.status().lease;
  const key = `${prefix}/subnets/${formatCidr(lease.subnet).replace("/", "-")}${lease.ipv6Subnet === undefined ? "" : `&${formatCidr(lease.ipv6Subnet).replace("/", "-")}`}`;
  return (await etcd.etcdctl(["get", key, "--print-value-only"])).stdout.trim();
};

describe("VXLAN over IPv4", () => {
  const prefix = "/fl-vx4/network";
  let s: Awaited<ReturnType<typeof site>>;
  beforeAll(async () => {
    s = await site();
    expect((await etcd.etcdctl(["put", `${prefix}/config`, '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}'])).exitCode).toBe(0);
    await startAgent(s.a, prefix);
    // b finds its interface as --iface-can-reach finds it: the route to a's address leaves through b's veth from 192.0.2.2.
    await startAgent(s.b, prefix, { ifaceCanReach: s.a.ipv4 });
  });
  afterAll(() => s?.destroy());

  it("carries the kernel's ping and iperf3 between the bridges, with flanneld's devices, lease values and entries", async () => {
    const { a, b } = s;
    const [ba, bb] = [await bridge(a), await bridge(b)];
    const subnetB = b.agent!.agent.status().lease.subnet;
    await until("a to program b", () => vxlanEntries(a, "flannel.1", subnetB).then((e) => e?.route !== undefined && e));
    const flannelA = (await a.rtnl.linkByName("flannel.1"))._unsafeUnwrap()!;
    const flannelB = (await b.rtnl.linkByName("flannel.1"))._unsafeUnwrap()!;
    expect({ mtu: flannelA.mtu, vxlan: flannelA.vxlan, up: flannelA.up }).toEqual({
      mtu: 1450,
      vxlan: { id: 1, local: parseIp("192.0.2.1")._unsafeUnwrap(), port: 8472, learning: false, gbp: false, link: (await a.rtnl.linkByName(a.veth))._unsafeUnwrap()!.index },
      up: true,
    });
    expect(b.events.filter((e) => e.startsWith("using interface"))).toEqual([`using interface ${b.veth} (192.0.2.2, MTU 1500) as external interface; PublicIP 192.0.2.2`]);
    expect(await leaseValue(prefix, b)).toBe(`{"PublicIP":"192.0.2.2","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"${formatMac(flannelB.mac!)}"}}`);
    expect(await vxlanEntries(a, "flannel.1", subnetB)).toEqual({
      route: `${formatCidr(subnetB)} via ${formatIp(cidrAddress(subnetB))} onlink`,
      neighbour: formatMac(flannelB.mac!),
      fdb: [`${formatMac(flannelB.mac!)} 192.0.2.2`],
    });
    expect((await a.rtnl.addresses({ family: 4, link: flannelA }))._unsafeUnwrap().map((x) => formatCidr(x.address))).toEqual([
      `${formatCidr(a.agent!.agent.status().lease.subnet).split("/")[0]}/32`,
    ]);
    await ping(a, ba.v4, bb.v4);
    await ping(b, bb.v4, ba.v4);
    console.log(`VXLAN IPv4 iperf3: ${(await iperf(s.underlay, a, b, ba.v4, bb.v4)).toFixed(2)} Gbit/s`);
  });

  it("programs a lease written to etcd and removes its route, neighbour and FDB entry when the lease is deleted", async () => {
    const { a, b } = s;
    const taken = [a, b].map((h) => formatCidr(h.agent!.agent.status().lease.subnet));
    const subnet = ["10.5.250.0/24", "10.5.249.0/24", "10.5.248.0/24"].find((x) => !taken.includes(x))!;
    const key = `${prefix}/subnets/${subnet.replace("/", "-")}`;
    await etcd.etcdctl(["put", key, '{"PublicIP":"192.0.2.250","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0a:00:00:00:fa:00"}}']);
    const peer = parseCidr4(subnet)._unsafeUnwrap();
    const planted = await until("the planted peer's entries", () => vxlanEntries(a, "flannel.1", peer).then((e) => e?.route !== undefined && e?.neighbour !== undefined && e));
    expect({ route: planted.route, neighbour: planted.neighbour }).toEqual({ route: `${subnet} via ${subnet.split("/")[0]} onlink`, neighbour: "0a:00:00:00:fa:00" });
    expect(planted.fdb).toContain("0a:00:00:00:fa:00 192.0.2.250");
    await etcd.etcdctl(["del", key]);
    const gone = await until(
      "the planted peer's entries to go",
      () => vxlanEntries(a, "flannel.1", peer).then((e) => e?.route === undefined && e?.neighbour === undefined && !e?.fdb?.some((f) => f.startsWith("0a:00:00:00:fa:00")) && e),
    );
    expect(gone.fdb).toHaveLength(1);
  });

  it("removes entries planted by hand and puts back a route deleted by hand, within a reconcile", async () => {
    const { a, b } = s;
    const subnetB = formatCidr(b.agent!.agent.status().lease.subnet);
    const taken = [a, b].map((h) => formatCidr(h.agent!.agent.status().lease.subnet));
    const stale = ["10.5.251.0", "10.5.247.0", "10.5.246.0"].find((x) => !taken.includes(`${x}/24`))!;
    await must("ip", ["-n", a.ns, "route", "add", `${stale}/24`, "via", stale, "dev", "flannel.1", "onlink"]);
    await must("ip", ["-n", a.ns, "neigh", "add", stale, "lladdr", "0a:00:00:00:fb:00", "dev", "flannel.1", "nud", "permanent"]);
    await must("ip", ["netns", "exec", a.ns, "bridge", "fdb", "add", "0a:00:00:00:fb:00", "dev", "flannel.1", "dst", "192.0.2.251", "self", "permanent"]);
    await must("ip", ["-n", a.ns, "route", "del", subnetB, "dev", "flannel.1"]);
    const staleCidr = parseCidr4(`${stale}/24`)._unsafeUnwrap();
    await until(
      "the stale entries to go",
      () =>
        vxlanEntries(a, "flannel.1", staleCidr).then((e) => e?.route === undefined && e?.neighbour === undefined && !e?.fdb?.some((f) => f.startsWith("0a:00:00:00:fb:00")) && e),
    );
    await until("the route to come back", () => vxlanEntries(a, "flannel.1", b.agent!.agent.status().lease.subnet).then((e) => e?.route !== undefined && e));
    expect(a.events.some((e) => /^VXLAN reconciled with the leases: \d+ stale entries removed, \d+ missing ones put back$/.test(e))).toBe(true);
  });

  it("a restarted agent keeps its lease and VtepMAC; a clean stop leaves no VXLAN device", async () => {
    const { a, b } = s;
    const before = {
      lease: await leaseValue(prefix, a),
      subnet: formatCidr(a.agent!.agent.status().lease.subnet),
      mac: formatMac((await a.rtnl.linkByName("flannel.1"))._unsafeUnwrap()!.mac!),
    };
    await stopAgent(a);
    expect((await a.rtnl.linkByName("flannel.1"))._unsafeUnwrap()).toBeUndefined();
    await startAgent(a, prefix);
    const after = {
      lease: await leaseValue(prefix, a),
      subnet: formatCidr(a.agent!.agent.status().lease.subnet),
      mac: formatMac((await a.rtnl.linkByName("flannel.1"))._unsafeUnwrap()!.mac!),
    };
    expect(after).toEqual(before);
    expect(before.lease).toContain(`"VtepMAC":"${before.mac}"`);
    const [ba, bb] = [await bridge(a), await bridge(b)];
    await until("a to program b again", () => vxlanEntries(a, "flannel.1", b.agent!.agent.status().lease.subnet).then((e) => e?.route !== undefined && e));
    await ping(a, ba.v4, bb.v4);
    await ping(b, bb.v4, ba.v4);
  });
});

describe("VXLAN dual stack: flannel.1 over the IPv4 underlay, flannel-v6.1 over the IPv6 underlay", () => {
  const prefix = "/fl-vx6/network";
  let s: Awaited<ReturnType<typeof site>>;
  beforeAll(async () => {
    s = await site();
    await etcd.etcdctl(["put", `${prefix}/config`, '{"Network":"10.6.0.0/16","EnableIPv6":true,"IPv6Network":"fd10::/56","Backend":{"Type":"vxlan"}}']);
    await startAgent(s.a, prefix);
    await startAgent(s.b, prefix);
  });
  afterAll(() => s?.destroy());

  it("carries ping both ways in both families and iperf3 over IPv6, with flanneld's dual-stack lease value", async () => {
    const { a, b } = s;
    const [ba, bb] = [await bridge(a), await bridge(b)];
    const leaseB = b.agent!.agent.status().lease;
    await until("a to program b over IPv6", () => vxlanEntries(a, "flannel-v6.1", leaseB.ipv6Subnet!).then((e) => e?.route !== undefined && e));
    const v6A = (await a.rtnl.linkByName("flannel-v6.1"))._unsafeUnwrap()!;
    expect({ mtu: v6A.mtu, local6: v6A.vxlan?.local6 === undefined ? undefined : formatIp(v6A.vxlan.local6), id: v6A.vxlan?.id }).toEqual({
      mtu: 1430,
      local6: "fd00:9::1",
      id: 1,
    });
    const macB = formatMac((await b.rtnl.linkByName("flannel.1"))._unsafeUnwrap()!.mac!);
    const mac6B = formatMac((await b.rtnl.linkByName("flannel-v6.1"))._unsafeUnwrap()!.mac!);
    expect(await leaseValue(prefix, b)).toBe(
      `{"PublicIP":"192.0.2.2","PublicIPv6":"fd00:9::2","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"${macB}"},"BackendV6Data":{"VNI":1,"VtepMAC":"${mac6B}"}}`,
    );
    expect(await vxlanEntries(a, "flannel-v6.1", leaseB.ipv6Subnet!)).toEqual({
      route: `${formatCidr(leaseB.ipv6Subnet!)} via ${formatIp(cidrAddress(leaseB.ipv6Subnet!))} onlink`,
      neighbour: mac6B,
      fdb: [`${mac6B} fd00:9::2`],
    });
    await ping(a, ba.v4, bb.v4);
    await ping(b, bb.v4, ba.v4);
    await ping(a, ba.v6!, bb.v6!);
    await ping(b, bb.v6!, ba.v6!);
    console.log(`VXLAN IPv6 (IPv6 underlay) iperf3: ${(await iperf(s.underlay, a, b, ba.v6!, bb.v6!)).toFixed(2)} Gbit/s`);
  });
});

describe("host-gw, dual stack", () => {
  const prefix = "/fl-vxgw/network";
  let s: Awaited<ReturnType<typeof site>>;
  beforeAll(async () => {
    s = await site();
    await etcd.etcdctl(["put", `${prefix}/config`, '{"Network":"10.7.0.0/16","EnableIPv6":true,"IPv6Network":"fd11::/56","Backend":{"Type":"host-gw"}}']);
    await startAgent(s.a, prefix);
    await startAgent(s.b, prefix);
  });
  afterAll(() => s?.destroy());

  it("routes each peer's subnets via its PublicIPs and carries ping and iperf3; a peer off the link is skipped and counted", async () => {
    const { a, b } = s;
    const [ba, bb] = [await bridge(a), await bridge(b)];
    const leaseB = b.agent!.agent.status().lease;
    const veth = (await a.rtnl.linkByName(a.veth))._unsafeUnwrap()!;
    const routesTo = async (family: 4 | 6): Promise<string[]> =>
      (await a.rtnl.routes({ family, table: RT_TABLE.MAIN, oif: veth }))._unsafeUnwrap().filter((r) => r.gateway !== undefined).map((r) =>
        `${formatCidr(r.dst)} via ${formatIp(r.gateway!)}`
      );
    await until("a's routes to b", async () => (await routesTo(6)).length === 1);
    expect([await routesTo(4), await routesTo(6)]).toEqual([[`${formatCidr(leaseB.subnet)} via 192.0.2.2`], [`${formatCidr(leaseB.ipv6Subnet!)} via fd00:9::2`]]);
    expect(await leaseValue(prefix, b)).toBe('{"PublicIP":"192.0.2.2","PublicIPv6":"fd00:9::2","BackendType":"host-gw"}');
    await ping(a, ba.v4, bb.v4);
    await ping(b, bb.v4, ba.v4);
    await ping(a, ba.v6!, bb.v6!);
    console.log(`host-gw iperf3: ${(await iperf(s.underlay, a, b, ba.v4, bb.v4)).toFixed(2)} Gbit/s`);

    const taken = [a, b].map((h) => formatCidr(h.agent!.agent.status().lease.subnet));
    const far = ["10.7.250.0/24", "10.7.249.0/24", "10.7.248.0/24"].find((x) => !taken.includes(x))!;
    await etcd.etcdctl(["put", `${prefix}/subnets/${far.replace("/", "-")}`, '{"PublicIP":"203.0.113.9","PublicIPv6":null,"BackendType":"host-gw"}']);
    await until("the off-link peer to be skipped", () => Promise.resolve(a.agent!.agent.status().counters.skippedPeers === 1));
    expect(a.events.filter((e) => e.startsWith("peer skipped"))).toEqual([
      `peer skipped: subnet ${far} via PublicIP 203.0.113.9: PublicIP 203.0.113.9 is not on ${a.veth}'s link: this host has no route to it`,
    ]);
    expect(await routesTo(4)).toEqual([`${formatCidr(leaseB.subnet)} via 192.0.2.2`]);
  });
});
