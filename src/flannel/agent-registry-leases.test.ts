import { okAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import { udpBackend, type UdpEnginePort } from "../backend/udp/udp-backend.ts";
import { ManualClock } from "../core/clock.ts";
import { MemoryRegistry } from "../etcd/memory-registry.ts";
import { formatCidr, parseCidr4 } from "../subnet/cidr.ts";
import { formatIp, parseIp4 } from "../subnet/ip.ts";
import { seededRandom } from "../subnet/random.ts";
import { parseSubnetKey } from "../subnet/subnet-key.ts";
import { type AgentEvent, formatAgentEvent } from "./agent-events.ts";
import { registryLeases } from "./agent-registry-leases.ts";
import { type RunningAgent, startAgent } from "./agent.ts";

// Two agents on one in-memory registry with a manual clock: the lease
// manager and peer watch are the real ones; only the data path is a fake
// that records its routes.

interface Host {
  readonly agent: RunningAgent;
  readonly routes: Map<string, string>;
  readonly lines: string[];
  readonly subnet: string;
}

const config = '{"Network":"172.20.0.0/16"}';

async function startHost(registry: MemoryRegistry, clock: ManualClock, publicIp: string, seed: number, previous?: string): Promise<Host> {
  const ip = parseIp4(publicIp)._unsafeUnwrap();
  const routes = new Map<string, string>();
  const events: AgentEvent[] = [];
  const lines: string[] = [];
  const { leases, peers } = registryLeases({ registry, clock, random: seededRandom(seed), renewMarginSeconds: 3600 });
  const engine: UdpEnginePort = {
    setRoute: (subnet, peer) => routes.set(formatCidr(subnet), formatIp(peer)),
    deleteRoute: (subnet) => routes.delete(formatCidr(subnet)),
    close: () => Promise.resolve(),
  };
  const agent = (
    await startAgent({
      config: registry,
      leases,
      peers,
      external: { name: "eth0", mtu: 1500, ifaceAddress: ip, publicIp: ip },
      backends: { udp: udpBackend({ open: () => okAsync(engine) }) },
      // These tests move the clock by hours; a reconcile every 10 s would be thousands of steps.
      reconcileMs: 3_600_000,
      subnetFile: { path: "/run/flannel/subnet.env", write: () => okAsync(undefined) },
      clock,
      log: (e) => {
        events.push(e);
        lines.push(formatAgentEvent(e));
      },
      ...(previous === undefined ? {} : { previousSubnet: { ipv4: parseCidr4(previous)._unsafeUnwrap() } }),
    })
  )._unsafeUnwrap();
  return { agent, routes, lines, subnet: formatCidr(agent.status().lease.subnet) };
}

async function twoHosts() {
  const clock = new ManualClock(Date.UTC(2024, 0, 1));
  const registry = new MemoryRegistry({ clock, prefix: "/atomic.io/network" });
  (await registry.putConfig(config))._unsafeUnwrap();
  const h1 = await startHost(registry, clock, "192.0.2.1", 1);
  const h2 = await startHost(registry, clock, "192.0.2.2", 2);
  await clock.advanceAsync(0);
  return { clock, registry, h1, h2 };
}

describe("the agent on a registry", () => {
  it("gives two hosts distinct /24 leases and routes each to the other", async () => {
    const { h1, h2 } = await twoHosts();
    expect(h1.subnet).not.toBe(h2.subnet);
    for (const s of [h1.subnet, h2.subnet]) expect(s).toMatch(/^172\.20\.\d+\.0\/24$/);
    expect(Object.fromEntries(h1.routes)).toEqual({ [h2.subnet]: "192.0.2.2" });
    expect(Object.fromEntries(h2.routes)).toEqual({ [h1.subnet]: "192.0.2.1" });
    expect(h1.lines).toContain(`peer added: subnet ${h2.subnet} via PublicIP 192.0.2.2`);
    await Promise.all([h1.agent.stop(), h2.agent.stop()]);
  });

  it("removes a deleted lease's route on the other host, and its owner acquires it again", async () => {
    const { clock, registry, h1, h2 } = await twoHosts();
    const key = parseSubnetKey(h2.subnet.replace("/", "-"))._unsafeUnwrap();
    expect((await registry.deleteLease(key))._unsafeUnwrap()).toBe(true);
    await clock.advanceAsync(0);
    await clock.advanceAsync(0);
    expect(h1.lines).toContain(`peer removed: subnet ${h2.subnet} (was via PublicIP 192.0.2.2)`);
    expect(h2.lines).toContain(`lease lost: subnet ${h2.subnet}: its key is gone from the store (expired, or deleted by an operator); acquiring again`);
    expect(h2.lines.find((l) => l.startsWith("lease acquired again:"))).toMatch(
      new RegExp(`^lease acquired again: subnet ${h2.subnet.replace(/\./g, "\\.")} \\(the same\\) for PublicIP 192\\.0\\.2\\.2`),
    );
    // h1 saw the lease come back.
    expect(h1.lines.filter((l) => l.startsWith(`peer added: subnet ${h2.subnet}`))).toHaveLength(2);
    expect(Object.fromEntries(h1.routes)).toEqual({ [h2.subnet]: "192.0.2.2" });
    expect(h2.agent.status().health).toEqual({ healthy: true });
    await Promise.all([h1.agent.stop(), h2.agent.stop()]);
  });

  it("renews an hour before the 24 h TTL runs out", async () => {
    const { clock, h1, h2 } = await twoHosts();
    await clock.advanceAsync(23 * 3600 * 1000 - 1000);
    expect(h1.lines.filter((l) => l.startsWith("lease renewed"))).toEqual([]);
    await clock.advanceAsync(2000);
    expect(h1.lines.filter((l) => l.startsWith("lease renewed"))).toEqual([`lease renewed: subnet ${h1.subnet}, expires 2024-01-02T23:00:00.000Z`]);
    // No lease went away, so no peer event either.
    expect(h1.lines.filter((l) => l.startsWith("peer removed"))).toEqual([]);
    await Promise.all([h1.agent.stop(), h2.agent.stop()]);
  });

  it("keeps the lease on stop, gives it back with release, and a restarted host asks for its previous subnet", async () => {
    const { clock, registry, h1, h2 } = await twoHosts();
    await h2.agent.stop();
    await clock.advanceAsync(0);
    expect(Object.fromEntries(h1.routes)).toEqual({ [h2.subnet]: "192.0.2.2" });
    // A restart with its subnet.env gets the same subnet back.
    const again = await startHost(registry, clock, "192.0.2.2", 99, h2.subnet);
    expect(again.subnet).toBe(h2.subnet);
    await again.agent.stop({ release: true });
    await clock.advanceAsync(0);
    expect(again.lines).toContain(`lease released: subnet ${h2.subnet} deleted from the store`);
    expect(h1.lines).toContain(`peer removed: subnet ${h2.subnet} (was via PublicIP 192.0.2.2)`);
    expect((await registry.listLeases())._unsafeUnwrap().leases.map((l) => formatCidr(l.subnet.ipv4))).toEqual([h1.subnet]);
    await h1.agent.stop();
  });

  it("a lease that expires while its host is away is acquired again and the data path follows", async () => {
    const clock = new ManualClock(Date.UTC(2024, 0, 1));
    const registry = new MemoryRegistry({ clock });
    (await registry.putConfig('{"Network":"10.5.0.0/24","SubnetLen":26}'))._unsafeUnwrap();
    const h1 = await startHost(registry, clock, "192.0.2.1", 1);
    // Another writer takes the key after an operator deleted it: the host must move.
    const key = parseSubnetKey(h1.subnet.replace("/", "-"))._unsafeUnwrap();
    (await registry.deleteLease(key))._unsafeUnwrap();
    (await registry.createLease(key, { publicIp: parseIp4("192.0.2.9")._unsafeUnwrap() }, { ttlSeconds: 3600 }))._unsafeUnwrap();
    await clock.advanceAsync(0);
    await clock.advanceAsync(0);
    const moved = formatCidr(h1.agent.status().lease.subnet);
    expect(moved).not.toBe(h1.subnet);
    expect(h1.lines).toContain(`peer added: subnet ${h1.subnet} via PublicIP 192.0.2.9`);
    expect(h1.lines.some((l) => l.startsWith(`lease acquired again: subnet ${moved} (was ${h1.subnet})`))).toBe(true);
    expect(Object.fromEntries(h1.routes)).toEqual({ [h1.subnet]: "192.0.2.9" });
    await h1.agent.stop();
  });
});
