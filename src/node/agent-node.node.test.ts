import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errAsync, okAsync } from "neverthrow";
import { afterEach, describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { MemoryRegistry } from "../etcd/memory-registry.ts";
import type { Registry, RegistryError } from "../etcd/registry.ts";
import type { AgentEvent } from "../flannel/agent-events.ts";
import { parseIp4 } from "../subnet/ip.ts";
import { type NodeAgentOptions, startNodeAgent } from "./agent-node.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

// A Node agent on an in-memory store and a manual clock, with no TUN device,
// no iptables and no system interfaces: only its lease timing is real. The
// store's first `failRenewals` renewals fail.
async function started(timing: Pick<NodeAgentOptions, "leaseTiming" | "renewMarginMinutes">, failRenewals = 0) {
  const dir = mkdtempSync(join(tmpdir(), "flannel-ts-node-agent-"));
  dirs.push(dir);
  const clock = new ManualClock(1_000_000);
  const memory = new MemoryRegistry({ clock });
  (await memory.putConfig('{"Network":"10.5.0.0/16"}'))._unsafeUnwrap();
  let failures = failRenewals;
  const failing = (...args: Parameters<Registry["updateLease"]>): ReturnType<Registry["updateLease"]> => {
    const error: RegistryError = { kind: "unavailable", endpoints: ["memory"], message: "the store is down" };
    return failures-- > 0 ? errAsync(error) : memory.updateLease(...args);
  };
  const registry = new Proxy(memory, {
    get(target, property) {
      if (property === "updateLease") return failing;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  const events: AgentEvent[] = [];
  const node = await startNodeAgent({
    registry,
    log: (e) => events.push(e),
    clock,
    subnetFile: join(dir, "subnet.env"),
    interfaces: [{ name: "eth0", mtu: 1500, addresses: [parseIp4("192.0.2.1")._unsafeUnwrap()] }],
    defaultRouteInterface: "eth0",
    openUdpEngine: () => okAsync({ setRoute: () => undefined, deleteRoute: () => undefined, close: () => Promise.resolve() }),
    firewall: { ensure: () => okAsync(undefined), remove: () => okAsync(undefined) },
    ...timing,
  });
  return { node: node._unsafeUnwrap(), clock, events };
}

const leaseEvents = (events: readonly AgentEvent[]): string[] =>
  events.flatMap((e) => (e.kind === "lease-renew-failed" ? [`${e.kind} ${e.retryInMs}`] : e.kind.startsWith("lease-") ? [e.kind] : []));

describe("startNodeAgent's lease timing", () => {
  it("leases for 24 h by default", async () => {
    const { node } = await started({});
    expect(node.agent.status().lease.expiresAt).toBe(1_000_000 + 24 * 3600_000);
    await node.stop();
  });

  it("renews renewMarginMinutes before expiry", async () => {
    const { node, clock, events } = await started({ renewMarginMinutes: 50, leaseTiming: { ttlSeconds: 3600 } });
    await clock.advanceAsync(600_000 - 1);
    expect(leaseEvents(events)).toEqual(["lease-acquired"]);
    await clock.advanceAsync(1);
    expect(leaseEvents(events)).toEqual(["lease-acquired", "lease-renewed"]);
    await node.stop();
  });

  it("takes the TTL, margin and retry interval of leaseTiming, which overrides renewMarginMinutes", async () => {
    const { node, clock, events } = await started({ renewMarginMinutes: 30, leaseTiming: { ttlSeconds: 10, renewMarginSeconds: 4, retryIntervalSeconds: 2 } }, 1);
    expect(node.agent.status().lease.expiresAt).toBe(1_000_000 + 10_000);
    await clock.advanceAsync(6_000);
    expect(leaseEvents(events)).toEqual(["lease-acquired", "lease-renew-failed 2000"]);
    await clock.advanceAsync(2_000);
    expect(leaseEvents(events)).toEqual(["lease-acquired", "lease-renew-failed 2000", "lease-renewed"]);
    expect(node.agent.status().lease.expiresAt).toBe(1_008_000 + 10_000);
    await node.stop();
  });
});
