import { errAsync, okAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import { systemClock } from "../core/clock.ts";
import { MemoryRegistry } from "../etcd/memory-registry.ts";
import { EMPTY_BACKEND_REPORT, type OpenBackend } from "../backend/backend.ts";
import { type Cidr4, cidrContains, formatCidr, parseCidr4 } from "../subnet/cidr.ts";
import { ip4 } from "../subnet/ip.ts";
import { seededRandom } from "../subnet/random.ts";
import { DgramDatagramSocket } from "./dgram-datagram-socket.ts";
import { loopbackSite, type LoopbackSiteOptions, type LoopbackSocket } from "./loopback-site.ts";
import { demoNetworkConfig, type DemoSite, type DemoSiteHost, runDemo, type RunDemoOptions } from "./run-demo.ts";

const network = parseCidr4("172.20.0.0/16")._unsafeUnwrap();

function options(registry: MemoryRegistry, lines: string[], extra: Partial<RunDemoOptions> = {}, site: Partial<LoopbackSiteOptions> = {}): RunDemoOptions {
  return {
    registry,
    storeLabel: "in-memory store",
    site: loopbackSite({
      bindSocket: (address, port) => DgramDatagramSocket.bind(address, port),
      clock: systemClock,
      micros: () => performance.now() * 1000,
      ...site,
    }),
    count: 2,
    intervalMs: 20,
    random: seededRandom(1),
    clock: systemClock,
    print: (line) => lines.push(line),
    ...extra,
  };
}

describe("runDemo", () => {
  it("leases two distinct /24s of 172.20.0.0/16, writes subnet.env, routes each to the other and pings both ways", async () => {
    const registry = new MemoryRegistry({ prefix: "/atomic.io/network" });
    const lines: string[] = [];
    const report = (await runDemo(options(registry, lines)))._unsafeUnwrap();

    const [node1, node2] = report.hosts;
    const subnets = [node1, node2].map((h) => parseCidr4(h.subnet)._unsafeUnwrap());
    for (const subnet of subnets) {
      expect(subnet.prefix).toBe(24);
      expect(cidrContains(network, subnet)).toBe(true);
    }
    expect(node1.subnet).not.toBe(node2.subnet);
    expect([node1.publicIp, node2.publicIp]).toEqual(["127.0.0.1", "127.0.0.2"]);
    expect(node1.port).toBe(node2.port);

    for (const host of report.hosts) {
      const gateway = host.subnet.replace(/\.0\/24$/, ".1/24");
      expect(host.subnetEnv).toBe(`FLANNEL_NETWORK=172.20.0.0/16\nFLANNEL_SUBNET=${gateway}\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n`);
      expect(host.container).toBe(host.subnet.replace(/\.0\/24$/, ".2"));
      // Each outbound request and reply counted once on each engine; nothing dropped.
      expect(host.counters!.outbound).toMatchObject({ received: 4, packets: 4, bytes: 4 * 84 });
      expect(host.counters!.inbound).toMatchObject({ received: 4, packets: 4, bytes: 4 * 84 });
      expect(Object.values(host.counters!.outbound.drops).every((n) => n === 0)).toBe(true);
      expect(Object.values(host.counters!.inbound.drops).every((n) => n === 0)).toBe(true);
    }
    expect(node1.routes).toEqual([`${node2.subnet} -> 127.0.0.2:${node2.port}`]);
    expect(node2.routes).toEqual([`${node1.subnet} -> 127.0.0.1:${node1.port}`]);

    // Both engines decrement the TTL, as flanneld's proxy does on each side: 64 - 2.
    for (const ping of report.pings) {
      expect(ping).toMatchObject({ transmitted: 2, received: 2, errors: 0 });
      expect(ping.replies.map((r) => [r.seq, r.ttl])).toEqual([
        [1, 62],
        [2, 62],
      ]);
    }

    const at = (prefix: string): number => lines.findIndex((l) => l.startsWith(prefix));
    expect(lines).toContain(`PING ${node2.container} (${node2.container}) 56(84) bytes of data.`);
    expect(lines).toContain(`PING ${node1.container} (${node1.container}) 56(84) bytes of data.`);
    expect(lines.filter((l) => /^64 bytes from 172\.20\.\d+\.2: icmp_seq=[12] ttl=62 time=\d+\.\d+ ms$/.test(l))).toHaveLength(4);
    expect(lines.filter((l) => /^2 packets transmitted, 2 received, 0% packet loss, time \d+ms$/.test(l))).toHaveLength(2);
    expect(lines.filter((l) => /^rtt min\/avg\/max\/mdev = \d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3}\/\d+\.\d{3} ms$/.test(l))).toHaveLength(2);
    expect(at(`--- ${node2.container} ping statistics ---`)).toBeGreaterThan(at(`PING ${node2.container}`));
    expect(lines).toContain(`  FLANNEL_SUBNET=${node1.subnet.replace(/\.0\/24$/, ".1/24")}`);
    expect(lines).toContain(
      `[node1] lease acquired: subnet ${node1.subnet} for PublicIP 127.0.0.1, expires ${lines.find((l) => l.startsWith("[node1] lease acquired"))!.split("expires ")[1]}`,
    );
    expect(lines).toContain(`[node2] peer added: subnet ${node1.subnet} via PublicIP 127.0.0.1`);
    expect(lines).toContain(`[node1] lease released: subnet ${node1.subnet} deleted from the store`);
    expect(lines).toContain(`[node2] stopped cleanly`);

    // The leases are gone and the sockets free again.
    expect((await registry.listLeases())._unsafeUnwrap().leases).toEqual([]);
    const again = await DgramDatagramSocket.bind("127.0.0.1", node1.port);
    expect(again.isOk()).toBe(true);
    if (again.isOk()) await again.value.close();
    await registry.close();
  });

  it("gives the same leases for the same seed", async () => {
    const subnets = async (seed: number): Promise<string[]> => {
      const registry = new MemoryRegistry({ prefix: "/atomic.io/network" });
      const report = (await runDemo(options(registry, [], { count: 1, random: seededRandom(seed) })))._unsafeUnwrap();
      await registry.close();
      return report.hosts.map((h) => h.subnet);
    };
    const first = await subnets(42);
    expect(await subnets(42)).toEqual(first);
  });

  it("falls back to one free port for both hosts when 8285 is taken", async () => {
    const squatter = await DgramDatagramSocket.bind("127.0.0.2", 8285);
    const registry = new MemoryRegistry({ prefix: "/atomic.io/network" });
    const lines: string[] = [];
    const report = (await runDemo(options(registry, lines, { count: 1 })))._unsafeUnwrap();
    if (squatter.isOk()) await squatter.value.close();
    expect(report.hosts[0].port).not.toBe(8285);
    expect(report.hosts[1].port).toBe(report.hosts[0].port);
    expect(lines).toContain(
      `$ flannel-ts config set '{"Network":"172.20.0.0/16","Backend":{"Type":"udp","Port":${report.hosts[0].port}}}'   (port 8285 is taken here, so the demo's network uses ${
        report.hosts[0].port
      })`,
    );
    expect(report.pings.map((p) => p.received)).toEqual([1, 1]);
    await registry.close();
  });

  it("refuses a store that holds another network, and leaves nothing behind", async () => {
    const registry = new MemoryRegistry({ prefix: "/atomic.io/network" });
    expect((await registry.putConfig('{"Network":"10.5.0.0/16"}')).isOk()).toBe(true);
    const result = await runDemo(options(registry, []));
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: "config-conflict", key: "/atomic.io/network/config", existing: '{"Network":"10.5.0.0/16"}' });
    expect((await registry.listLeases())._unsafeUnwrap().leases).toEqual([]);
    await registry.close();
  });

  it("uses a store's config when it is the same network", async () => {
    const registry = new MemoryRegistry({ prefix: "/atomic.io/network" });
    expect((await registry.putConfig('{ "Network": "172.20.0.0/16", "SubnetLen": 24 }')).isOk()).toBe(true);
    const lines: string[] = [];
    const report = await runDemo(options(registry, lines, { count: 1 }));
    expect(report.isOk()).toBe(true);
    expect(lines).toContain('/atomic.io/network/config already holds { "Network": "172.20.0.0/16", "SubnetLen": 24 }');
    await registry.close();
  });

  it("reports a socket it cannot bind, and closes the one it could", async () => {
    const registry = new MemoryRegistry({ prefix: "/atomic.io/network" });
    const closed: string[] = [];
    const fake = (address: string, port: number): LoopbackSocket => ({
      local: { address, port: port === 0 ? 40000 : port },
      maxSegments: 1,
      onReadable: undefined,
      send: () => true,
      receive: () => 0,
      close: () => {
        closed.push(address);
        return Promise.resolve();
      },
    });
    const result = await runDemo(
      options(
        registry,
        [],
        {},
        {
          bindSocket: (address, port) =>
            address === "127.0.0.2"
              ? errAsync({ kind: "udp-bind", address: `${address}:${port}`, code: "EADDRNOTAVAIL", message: `cannot bind a UDP socket to ${address}:${port}: EADDRNOTAVAIL` })
              : okAsync(fake(address, port)),
        },
      ),
    );
    expect(result._unsafeUnwrapErr()).toEqual({ kind: "demo-site", message: "cannot bind a UDP socket to 127.0.0.2:8285: EADDRNOTAVAIL" });
    expect(closed).toEqual(["127.0.0.1"]);
    await registry.close();
  });
});

describe("runDemo on a site with a kernel backend", () => {
  // A site whose hosts run a host-gw backend that only records what the
  // agent asks of it, and whose ping reports every reply: what runDemo does
  // with a kernel backend, without root.
  function kernelSite(applied: string[][]): RunDemoOptions["site"] {
    const host = (name: string, index: number): DemoSiteHost => {
      const publicIp = ip4(0xc0000201 + index);
      const seen: string[] = [];
      applied.push(seen);
      let subnet: Cidr4 | undefined;
      const backend: OpenBackend = () =>
        okAsync({
          kind: "host-gw",
          name: "host-gw",
          leaseAttrs: { backendType: "host-gw" },
          mtu: 1500,
          attach: (lease) => {
            subnet = lease.subnet;
            return okAsync("routes to the peers' subnets via their PublicIPs");
          },
          apply: (changes) => {
            for (const c of changes) seen.push(`${c.kind} ${formatCidr(c.lease.subnet.ipv4)}`);
            return okAsync(EMPTY_BACKEND_REPORT);
          },
          reconcile: () => okAsync(EMPTY_BACKEND_REPORT),
          close: () => Promise.resolve("routes removed"),
        });
      return {
        name,
        external: { name: `veth${index}`, mtu: 1500, ifaceAddress: publicIp, publicIp },
        note: "fake",
        openEngine: () => errAsync({ kind: "data-path", message: "no UDP engine on this site" }),
        kernelBackends: { "host-gw": backend },
        docker: undefined,
        routes: () => seen.map((s) => `route ${s}`),
        settled: () => Promise.resolve(),
        container: () => (subnet === undefined ? undefined : ip4(subnet.address + 2)),
        ping: (request) => Promise.resolve({ transmitted: request.count, received: request.count, errors: 0, replies: [], elapsedMicros: 0 }),
        counters: () => Promise.resolve(undefined),
      };
    };
    const site: DemoSite = { description: "fake namespaces", port: 0, backend: "host-gw", hosts: [host("node1", 0), host("node2", 1)], close: () => Promise.resolve() };
    return () => okAsync(site);
  }

  it("puts the backend's config, lets the agents open it, and prints its entries and no counters", async () => {
    const registry = new MemoryRegistry({ prefix: "/atomic.io/network" });
    const lines: string[] = [];
    const applied: string[][] = [];
    const report = await runDemo({ ...options(registry, lines), site: kernelSite(applied) });
    await registry.close();
    const { hosts, pings } = report._unsafeUnwrap();
    expect(lines).toContain(`$ flannel-ts config set '{"Network":"172.20.0.0/16","Backend":{"Type":"host-gw"}}'`);
    expect(lines).toContain("[node1] host-gw up: routes to the peers' subnets via their PublicIPs");
    expect(lines).toContain("== the overlay: each host's kernel routes the other's subnet via that host's PublicIP (no encapsulation)");
    // node1 stops first and releases its lease: node2's backend removes it.
    expect(applied).toEqual([[`added ${hosts[1].subnet}`], [`added ${hosts[0].subnet}`, `removed ${hosts[0].subnet}`]]);
    expect(lines).toContain(`node1: route added ${hosts[1].subnet}`);
    expect(lines.some((l) => l.includes("counters"))).toBe(false);
    expect(pings.map((p) => p.received)).toEqual([2, 2]);
    expect(hosts.map((h) => h.container)).toEqual(hosts.map((h) => h.subnet.replace(/0\/24$/, "2")));
  });

  it.each(
    [
      ["udp", 8285, '{"Network":"172.20.0.0/16"}'],
      ["udp", 40000, '{"Network":"172.20.0.0/16","Backend":{"Type":"udp","Port":40000}}'],
      ["vxlan", 8472, '{"Network":"172.20.0.0/16","Backend":{"Type":"vxlan"}}'],
      ["host-gw", 0, '{"Network":"172.20.0.0/16","Backend":{"Type":"host-gw"}}'],
    ] as const,
  )("the network config for %s (port %d) is %s", (backend, port, text) => {
    expect(demoNetworkConfig(backend, port)).toBe(text);
  });
});
