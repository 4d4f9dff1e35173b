import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { parseIp4 } from "../subnet/ip.ts";
import { parseSubnetKey } from "../subnet/subnet-key.ts";
import { MemoryRegistry } from "./memory-registry.ts";
import { registryContract } from "../testing/registry-contract.ts";

describe("MemoryRegistry passes the registry contract", () => {
  for (const c of registryContract) {
    it(c.name, async () => {
      const clock = new ManualClock(1_700_000_000_000);
      const registry = new MemoryRegistry({ clock, prefix: "/atomic.io/network" });
      try {
        await c.run(
          {
            registry,
            other: registry,
            putRaw: (key, value) => Promise.resolve(registry.putRaw(key, value)),
            passTime: (ms) => clock.advanceAsync(ms),
            compact: (revision) => Promise.resolve(registry.compact(revision)),
          },
          expect,
        );
      } finally {
        await registry.close();
      }
    });
  }
});

describe("MemoryRegistry", () => {
  const subnet = parseSubnetKey("10.5.34.0-24")._unsafeUnwrap();
  const attrs = { publicIp: parseIp4("192.0.2.1")._unsafeUnwrap() };

  it("expires a lease at its TTL on the injected clock, not a millisecond before", async () => {
    const clock = new ManualClock();
    const registry = new MemoryRegistry({ clock });
    const lease = (await registry.createLease(subnet, attrs, { ttlSeconds: 10 }))._unsafeUnwrap();
    clock.advance(9_999);
    expect((await registry.timeToLive(lease.leaseId!))._unsafeUnwrap()).toBe(0);
    expect((await registry.listLeases())._unsafeUnwrap().leases.length).toBe(1);
    clock.advance(1);
    expect((await registry.listLeases())._unsafeUnwrap().leases.length).toBe(0);
    expect((await registry.timeToLive(lease.leaseId!))._unsafeUnwrap()).toBe(null);
  });

  it("raises TTLs to its minimum and gives lease IDs beyond 2^53 as strings", async () => {
    const registry = new MemoryRegistry({ clock: new ManualClock(), minTtlSeconds: 2 });
    const lease = (await registry.createLease(subnet, attrs, { ttlSeconds: 1 }))._unsafeUnwrap();
    expect(lease.ttlSeconds).toBe(2);
    expect(BigInt(lease.leaseId!) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
  });

  it("a renewed lease is not deleted when its previous etcd lease expires", async () => {
    const clock = new ManualClock();
    const registry = new MemoryRegistry({ clock });
    const first = (await registry.createLease(subnet, attrs, { ttlSeconds: 10 }))._unsafeUnwrap();
    clock.advance(5_000);
    expect((await registry.updateLease(subnet, attrs, { ttlSeconds: 10, ifCreateRevision: first.createRevision })).isOk()).toBe(true);
    clock.advance(6_000);
    expect((await registry.listLeases())._unsafeUnwrap().leases.length).toBe(1);
    clock.advance(4_000);
    expect((await registry.listLeases())._unsafeUnwrap().leases.length).toBe(0);
  });

  it("keeps a bounded history and compacts what falls out of it", () => {
    const registry = new MemoryRegistry({ clock: new ManualClock(), historyLimit: 2 });
    for (let i = 0; i < 4; i++) registry.putRaw(`/k${i}`, "v");
    expect(registry.revision).toBe(5);
    expect(registry.compactedRevision).toBe(3);
    expect(() => registry.compact(6)).toThrow(RangeError);
  });

  it("answers closed after close", async () => {
    const registry = new MemoryRegistry();
    await registry.close();
    expect((await registry.listLeases())._unsafeUnwrapErr()).toEqual({ kind: "closed", message: "the registry is closed" });
  });
});
