import { errAsync, type ResultAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import type { LeaseAttrs } from "../etcd/lease-attrs.ts";
import { MemoryRegistry } from "../etcd/memory-registry.ts";
import type { Registry, RegistryError, WatchLeasesOptions } from "../etcd/registry.ts";
import { parseIp4 } from "../subnet/ip.ts";
import { seededRandom } from "../subnet/random.ts";
import { parseSubnetKey } from "../subnet/subnet-key.ts";
import { LeaseManager, type LeaseManagerEvent, type LeaseManagerOptions } from "./lease-manager.ts";
import type { PeerLeaseEvent } from "./lease-peer-set.ts";

const T0 = 1_700_000_000_000;
const host = (ip: string): LeaseAttrs => ({ publicIp: parseIp4(ip)._unsafeUnwrap() });
const unavailable: RegistryError = { kind: "unavailable", endpoints: ["http://127.0.0.1:2379"], message: "etcd did not answer" };

function setup(config = '{"Network":"10.5.0.0/16"}') {
  const clock = new ManualClock(T0);
  const registry = new MemoryRegistry({ clock });
  registry.putRaw("/coreos.com/network/config", config);
  const events: LeaseManagerEvent[] = [];
  const manager = (options: Partial<LeaseManagerOptions> = {}, into: LeaseManagerEvent[] = events) =>
    new LeaseManager({ registry, attrs: host("192.0.2.1"), clock, random: seededRandom(1), onEvent: (e) => into.push(e), ...options });
  return { clock, registry, events, manager };
}

/** A registry whose updateLease fails while `failing.on` is true. */
function flakyUpdates(inner: Registry, failing: { on: boolean }): Registry {
  return new Proxy(inner, {
    get(target, prop) {
      if (prop === "updateLease") {
        return (...args: Parameters<Registry["updateLease"]>): ResultAsync<unknown, RegistryError> => (failing.on ? errAsync(unavailable) : target.updateLease(...args));
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

const kinds = (events: readonly LeaseManagerEvent[]) => events.map((e) => e.kind);

/** A registry that records the options of every watch it opens (and can fail them on demand). */
function countingWatches(inner: Registry): { registry: Registry; watches: WatchLeasesOptions[] } {
  const watches: WatchLeasesOptions[] = [];
  const registry = new Proxy(inner, {
    get(target, prop) {
      if (prop === "watchLeases") {
        return (options: WatchLeasesOptions) => {
          watches.push(options);
          return target.watchLeases(options);
        };
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { registry, watches };
}

describe("LeaseManager", () => {
  it("renews the margin before expiry, with flanneld's defaults of 24 h and 60 min", async () => {
    const { clock, events, manager } = setup();
    const m = manager();
    const first = (await m.start())._unsafeUnwrap();
    expect(first.expiresAt).toBe(T0 + 24 * 3600_000);
    await clock.advanceAsync(23 * 3600_000 - 1);
    expect(kinds(events)).toEqual(["acquired"]);
    await clock.advanceAsync(1);
    expect(kinds(events)).toEqual(["acquired", "renewed"]);
    const renewed = events[1] as Extract<LeaseManagerEvent, { kind: "renewed" }>;
    expect(renewed.lease).toMatchObject({ expiresAt: T0 + 47 * 3600_000, lease: { key: first.lease.key, createRevision: first.lease.createRevision } });
    await clock.advanceAsync(23 * 3600_000);
    expect(kinds(events)).toEqual(["acquired", "renewed", "renewed"]);
    await m.stop();
  });

  it("retries a failed renewal every minute and keeps the lease when the store is back", async () => {
    const { clock, registry, events, manager } = setup();
    const failing = { on: true };
    const m = manager({ registry: flakyUpdates(registry, failing), ttlSeconds: 600, renewMarginSeconds: 300 });
    const first = (await m.start())._unsafeUnwrap();
    await clock.advanceAsync(300_000);
    expect(events.at(-1)).toEqual({ kind: "renew-failed", error: unavailable, retryAt: T0 + 360_000 });
    await clock.advanceAsync(60_000);
    expect(kinds(events)).toEqual(["acquired", "renew-failed", "renew-failed"]);
    failing.on = false;
    await clock.advanceAsync(60_000);
    expect(kinds(events)).toEqual(["acquired", "renew-failed", "renew-failed", "renewed"]);
    expect(m.lease).toMatchObject({ lease: { key: first.lease.key, createRevision: first.lease.createRevision }, expiresAt: T0 + 420_000 + 600_000 });
    await m.stop();
  });

  it("acquires the same subnet again when the lease expired while renewals failed", async () => {
    const { clock, registry, events, manager } = setup();
    const m = manager({ registry: flakyUpdates(registry, { on: true }), ttlSeconds: 600, renewMarginSeconds: 60 });
    const first = (await m.start())._unsafeUnwrap();
    await clock.advanceAsync(600_000);
    expect(kinds(events)).toEqual(["acquired", "renew-failed", "lost", "reacquired"]);
    expect(events[2]).toEqual({ kind: "lost", key: first.lease.key, reason: "deleted" });
    expect(events[3]).toMatchObject({ kind: "reacquired", previousKey: first.lease.key, sameSubnet: true, lease: { source: "previous" } });
    expect(m.lease?.lease.createRevision).toBeGreaterThan(first.lease.createRevision);
    await m.stop();
  });

  it("acquires the same subnet again when an operator deletes the lease", async () => {
    const { clock, registry, events, manager } = setup();
    const m = manager();
    const first = (await m.start())._unsafeUnwrap();
    expect((await registry.deleteLease(first.lease.subnet))._unsafeUnwrap()).toBe(true);
    await clock.advanceAsync(0);
    expect(kinds(events)).toEqual(["acquired", "lost", "reacquired"]);
    expect(events[2]).toMatchObject({ sameSubnet: true });
    const listing = (await registry.listLeases())._unsafeUnwrap();
    expect(listing.leases.map((l) => [l.key, l.value])).toEqual([[first.lease.key, '{"PublicIP":"192.0.2.1","PublicIPv6":null}']]);
    await m.stop();
  });

  it("takes another subnet when its old one went to another host meanwhile", async () => {
    const { clock, registry, events, manager } = setup();
    const m = manager();
    const first = (await m.start())._unsafeUnwrap();
    const writes = [registry.deleteLease(first.lease.subnet), registry.createLease(first.lease.subnet, host("192.0.2.2"), { ttlSeconds: 600 })] as const;
    expect((await writes[0])._unsafeUnwrap()).toBe(true);
    expect((await writes[1]).isOk()).toBe(true);
    await clock.advanceAsync(0);
    expect(kinds(events)).toEqual(["acquired", "lost", "reacquired"]);
    expect(events[2]).toMatchObject({ sameSubnet: false, lease: { source: "new" } });
    expect(m.lease?.lease.key).not.toBe(first.lease.key);
    await m.stop();
  });

  it("tries again every minute when nothing can be acquired after a loss", async () => {
    const { clock, registry, events, manager } = setup('{"Network":"10.5.0.0/24","SubnetLen":26}');
    const m = manager();
    const first = (await m.start())._unsafeUnwrap();
    // The memory registry applies a write when it is called: all of this
    // happens before the manager sees the delete.
    const writes = [
      registry.deleteLease(first.lease.subnet),
      ...["192.0.2.2", "192.0.2.3", "192.0.2.4"].map((ip, i) => registry.createLease(parseSubnetKey(`10.5.0.${64 * (i + 1)}-26`)._unsafeUnwrap(), host(ip), { ttlSeconds: 90 })),
    ];
    expect((await Promise.all(writes)).every((r) => r.isOk())).toBe(true);
    await clock.advanceAsync(0);
    expect(kinds(events)).toEqual(["acquired", "lost", "reacquire-failed"]);
    expect(events[2]).toMatchObject({ error: { kind: "out-of-subnets" }, retryAt: clock.now() + 60_000 });
    await clock.advanceAsync(60_000);
    expect(kinds(events)).toEqual(["acquired", "lost", "reacquire-failed", "reacquire-failed"]);
    await clock.advanceAsync(60_000);
    expect(kinds(events).slice(-1)).toEqual(["reacquired"]);
    await m.stop();
  });

  it("never renews a reservation, and keeps it without TTL", async () => {
    const { clock, registry, events, manager } = setup();
    registry.putRaw("/coreos.com/network/subnets/10.5.7.0-24", '{"PublicIP":"192.0.2.1","PublicIPv6":null}');
    const m = manager();
    expect((await m.start())._unsafeUnwrap()).toMatchObject({ source: "reservation", expiresAt: null });
    await clock.advanceAsync(30 * 24 * 3600_000);
    expect(kinds(events)).toEqual(["acquired"]);
    expect((await registry.listLeases())._unsafeUnwrap().leases).toMatchObject([{ key: "/coreos.com/network/subnets/10.5.7.0-24" }]);
    await m.stop();
  });

  it("watches peers without its own lease, also after moving to another subnet", async () => {
    const { clock, registry, manager } = setup();
    const m = manager();
    const first = (await m.start())._unsafeUnwrap();
    const peer = parseSubnetKey("10.5.200.0-24")._unsafeUnwrap();
    expect((await registry.createLease(peer, host("192.0.2.2"), { ttlSeconds: 600 })).isOk()).toBe(true);
    const seen: PeerLeaseEvent[] = [];
    const watch = m.watchPeers((e) => seen.push(e));
    await clock.advanceAsync(0);
    expect(seen).toMatchObject([{ kind: "snapshot", peers: [{ key: "/coreos.com/network/subnets/10.5.200.0-24" }] }]);
    const writes = [registry.deleteLease(first.lease.subnet), registry.createLease(first.lease.subnet, host("192.0.2.3"), { ttlSeconds: 600 })];
    expect((await Promise.all(writes)).every((r) => r.isOk())).toBe(true);
    await clock.advanceAsync(0);
    expect(seen.slice(1)).toMatchObject([{ kind: "added", lease: { key: first.lease.key, value: '{"PublicIP":"192.0.2.3","PublicIPv6":null}' } }]);
    expect(watch.peers.map((l) => l.key).sort()).toEqual([first.lease.key, "/coreos.com/network/subnets/10.5.200.0-24"].sort());
    expect(watch.peers.some((l) => l.key === m.lease?.lease.key)).toBe(false);
    await clock.advanceAsync(600_000);
    expect(seen.slice(-2).map((e) => e.kind)).toEqual(["removed", "removed"]);
    await m.stop();
  });

  it("watches the store once for itself and all its peer watches", async () => {
    const { clock, registry: memory, manager } = setup();
    const { registry, watches } = countingWatches(memory);
    const m = manager({ registry });
    const first = (await m.start())._unsafeUnwrap();
    const a: PeerLeaseEvent[] = [];
    const b: PeerLeaseEvent[] = [];
    m.watchPeers((e) => a.push(e));
    m.watchPeers((e) => b.push(e));
    await clock.advanceAsync(0);
    expect((await memory.createLease(parseSubnetKey("10.5.200.0-24")._unsafeUnwrap(), host("192.0.2.2"), { ttlSeconds: 600 })).isOk()).toBe(true);
    await clock.advanceAsync(0);
    expect(watches).toHaveLength(1);
    expect(watches[0]?.fromRevision).toBeUndefined();
    for (const seen of [a, b]) {
      expect(seen).toMatchObject([
        { kind: "snapshot", peers: [] },
        { kind: "added", lease: { key: "/coreos.com/network/subnets/10.5.200.0-24" } },
      ]);
    }
    // The manager still sees its own lease go through that watch.
    expect((await memory.deleteLease(first.lease.subnet)).isOk()).toBe(true);
    await clock.advanceAsync(0);
    expect(m.lease?.lease.key).toBe(first.lease.key);
    expect(watches).toHaveLength(1);
    await m.stop();
  });

  it("starts a peer watch opened later from the leases as they are now", async () => {
    const { clock, registry, manager } = setup();
    const m = manager();
    (await m.start())._unsafeUnwrap();
    const early: PeerLeaseEvent[] = [];
    const watch = m.watchPeers((e) => early.push(e));
    await clock.advanceAsync(0);
    const peer = parseSubnetKey("10.5.200.0-24")._unsafeUnwrap();
    expect((await registry.createLease(peer, host("192.0.2.2"), { ttlSeconds: 600 })).isOk()).toBe(true);
    await clock.advanceAsync(0);
    await watch.close();
    expect((await registry.createLease(parseSubnetKey("10.5.201.0-24")._unsafeUnwrap(), host("192.0.2.4"), { ttlSeconds: 600 })).isOk()).toBe(true);
    registry.putRaw("/coreos.com/network/subnets/10.5.202.0-24", "not a lease");
    registry.putRaw("/coreos.com/network/subnets/10.5.203.0-24", "not a lease either");
    registry.putRaw("/coreos.com/network/subnets/10.5.203.0-24", '{"PublicIP":"192.0.2.5"}');
    await clock.advanceAsync(0);
    const late: PeerLeaseEvent[] = [];
    m.watchPeers((e) => late.push(e));
    await clock.advanceAsync(0);
    expect(early.map((e) => e.kind)).toEqual(["snapshot", "added"]);
    expect(late).toMatchObject([
      {
        kind: "snapshot",
        peers: [
          { key: "/coreos.com/network/subnets/10.5.200.0-24" },
          { key: "/coreos.com/network/subnets/10.5.201.0-24" },
          { key: "/coreos.com/network/subnets/10.5.203.0-24", value: '{"PublicIP":"192.0.2.5"}' },
        ],
      },
      { kind: "unreadable", entry: { key: "/coreos.com/network/subnets/10.5.202.0-24", value: "not a lease" } },
    ]);
    expect(late).toHaveLength(2);
    await m.stop();
  });

  it("tells every peer watch when the store cannot be reached", async () => {
    const { clock, registry: memory, manager } = setup();
    const { registry, watches } = countingWatches(memory);
    const m = manager({ registry });
    (await m.start())._unsafeUnwrap();
    const errors: string[] = [];
    m.watchPeers(() => undefined, (e) => errors.push(`a: ${e.kind}`));
    m.watchPeers(() => undefined);
    m.watchPeers(() => undefined, (e) => errors.push(`c: ${e.kind}`));
    await clock.advanceAsync(0);
    watches[0]?.onError?.(unavailable);
    expect(errors).toEqual(["a: unavailable", "c: unavailable"]);
    await m.stop();
  });

  it("does nothing more once stopped", async () => {
    const { clock, events, manager } = setup();
    const m = manager({ ttlSeconds: 120, renewMarginSeconds: 60 });
    (await m.start())._unsafeUnwrap();
    await m.stop();
    await clock.advanceAsync(24 * 3600_000);
    expect(kinds(events)).toEqual(["acquired"]);
  });

  it("refuses a renew margin that is not inside the TTL", () => {
    const { manager } = setup();
    expect(() => manager({ ttlSeconds: 60, renewMarginSeconds: 60 })).toThrow(RangeError);
    expect(() => manager({ renewMarginSeconds: 0 })).toThrow(RangeError);
    expect(() => manager({ retryIntervalSeconds: 0 })).toThrow(RangeError);
  });
});
