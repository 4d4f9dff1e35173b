import { okAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import { formatIpv4Header, IPPROTO_ICMP } from "../backend/udp/ipv4-header.ts";
import { RouteTable } from "../backend/udp/route-table.ts";
import { type OpenUdpEngine, udpBackend, type UdpEnginePort } from "../backend/udp/udp-backend.ts";
import { UdpDatapath } from "../backend/udp/udp-datapath.ts";
import { ManualClock } from "../core/clock.ts";
import { MemoryRegistry } from "../etcd/memory-registry.ts";
import { type Cidr4, cidrNetwork, parseCidr4 } from "../subnet/cidr.ts";
import { parseIp4 } from "../subnet/ip.ts";
import { seededRandom } from "../subnet/random.ts";
import { registryLeases } from "./agent-registry-leases.ts";
import { type RunningAgent, startAgent } from "./agent.ts";

// Two agents on the in-memory registry drive the UDP engine's real packet
// logic (UdpDatapath and its RouteTable) instead of a TUN device and a
// socket: what their leases say decides where packets go and whom they are
// accepted from.

interface Host {
  readonly agent: RunningAgent;
  readonly ip: number;
  readonly datapath: () => UdpDatapath;
  readonly subnet: Cidr4;
}

function memoryDataPath(): { open: OpenUdpEngine; current: () => UdpDatapath } {
  let current: UdpDatapath | undefined;
  const open: OpenUdpEngine = (spec) => {
    const routes = new RouteTable([], { defaultPort: spec.port });
    const datapath = new UdpDatapath({ routes, localAddress: cidrNetwork(spec.subnet).address, localPrefix: spec.subnet.prefix, sourceFilter: spec.sourceFilter });
    current = datapath;
    const port: UdpEnginePort = {
      setRoute: (subnet, publicIp) => routes.set(subnet, publicIp),
      deleteRoute: (subnet) => void routes.delete(subnet),
      close: () => Promise.resolve(),
    };
    return okAsync(port);
  };
  return {
    open,
    current: () => {
      if (current === undefined) throw new Error("no data path open");
      return current;
    },
  };
}

async function startHost(registry: MemoryRegistry, clock: ManualClock, publicIp: string, seed: number): Promise<Host> {
  const ip = parseIp4(publicIp)._unsafeUnwrap();
  const dataPath = memoryDataPath();
  const agent = (
    await startAgent({
      config: registry,
      ...registryLeases({ registry, clock, random: seededRandom(seed) }),
      external: { name: "eth0", mtu: 1500, ifaceAddress: ip, publicIp: ip },
      backends: { udp: udpBackend({ open: dataPath.open }) },
      subnetFile: { path: "/run/flannel/subnet.env", write: () => okAsync(undefined) },
      clock,
      log: () => undefined,
    })
  )._unsafeUnwrap();
  return { agent, ip: ip.value, datapath: dataPath.current, subnet: agent.status().lease.subnet };
}

/** An ICMP echo request from `source` to `destination`, header checksum right. */
function packet(source: number, destination: number): Uint8Array {
  const icmp = Uint8Array.of(8, 0, 0xf7, 0xff, 0, 0, 0, 0);
  const header = formatIpv4Header({
    tos: 0,
    totalLength: 20 + icmp.length,
    identification: 1,
    flags: 2,
    fragmentOffset: 0,
    ttl: 64,
    protocol: IPPROTO_ICMP,
    source,
    destination,
    options: new Uint8Array(),
  });
  const bytes = new Uint8Array(header.length + icmp.length);
  bytes.set(header);
  bytes.set(icmp, header.length);
  return bytes;
}

const container = (subnet: Cidr4): number => subnet.address + 2;

describe("the agent driving the UDP engine's packet logic", () => {
  it("sends to the peer that holds the destination and accepts only peers that hold a lease", async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    const registry = new MemoryRegistry({ clock });
    (await registry.putConfig('{"Network":"172.20.0.0/16","Backend":{"Type":"udp","Port":8472}}'))._unsafeUnwrap();
    const h1 = await startHost(registry, clock, "192.0.2.1", 1);
    const h2 = await startHost(registry, clock, "192.0.2.2", 2);
    await clock.advanceAsync(0);

    const p = packet(container(h1.subnet), container(h2.subnet));
    expect(h1.datapath().outbound(p, 0, p.length)).toEqual({ address: h2.ip, port: 8472 });
    expect(h2.datapath().inbound(p, 0, p.length, h1.ip)).toBe(true);
    // A sender without a lease is refused.
    const q = packet(container(h1.subnet), container(h2.subnet));
    expect(h2.datapath().inbound(q, 0, q.length, parseIp4("192.0.2.99")._unsafeUnwrap().value)).toBe(false);
    // A subnet no host holds: no peer, and an ICMP net unreachable for the sender.
    const nowhere = ["172.20.250.0/24", "172.20.251.0/24", "172.20.252.0/24"]
      .map((text) => parseCidr4(text)._unsafeUnwrap())
      .find((c) => c.address !== h1.subnet.address && c.address !== h2.subnet.address)!;
    const r = packet(container(h1.subnet), container(nowhere));
    expect(h1.datapath().outbound(r, 0, r.length)).toBeUndefined();
    expect(h1.datapath().icmpLength).toBeGreaterThan(0);

    // Host 1's lease is deleted by an operator; host 1 acquires it again.
    expect(h2.datapath().routes.get(h1.subnet)?.peer.value).toBe(h1.ip);
    (await registry.deleteLease({ ipv4: h1.subnet }))._unsafeUnwrap();
    await clock.advanceAsync(0);
    await clock.advanceAsync(0);
    // Host 1 acquired the same subnet again at once, so host 2 routes to it again.
    expect(h1.agent.status().lease.subnet).toEqual(h1.subnet);
    const again = packet(container(h1.subnet), container(h2.subnet));
    expect(h2.datapath().inbound(again, 0, again.length, h1.ip)).toBe(true);

    // Host 1 leaves and gives its lease back: host 2 neither accepts from it nor sends to it.
    await h1.agent.stop({ release: true });
    await clock.advanceAsync(0);
    const late = packet(container(h1.subnet), container(h2.subnet));
    expect(h2.datapath().inbound(late, 0, late.length, h1.ip)).toBe(false);
    const back = packet(container(h2.subnet), container(h1.subnet));
    expect(h2.datapath().outbound(back, 0, back.length)).toBeUndefined();
    await h2.agent.stop();
  });
});
