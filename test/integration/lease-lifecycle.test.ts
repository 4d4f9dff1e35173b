// A lease's life against real etcd with short real TTLs: expiry seen by
// peers' watches, an operator's delete answered by re-acquiring the same
// subnet, renewals that carry on across an etcd restart.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import { LeaseManager, type LeaseManagerEvent } from "../../src/flannel/lease-manager.ts";
import type { PeerLeaseEvent } from "../../src/flannel/lease-peer-set.ts";
import { watchPeerLeases } from "../../src/flannel/lease-peer-watch.ts";
import { parseIp4 } from "../../src/subnet/ip.ts";
import { parseSubnetKey } from "../../src/subnet/subnet-key.ts";
import { type EtcdNode, startEtcd } from "../../src/testing/index.ts";

let etcd: EtcdNode;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

const host = (ip: string) => ({ publicIp: parseIp4(ip)._unsafeUnwrap() });

async function network(prefix: string): Promise<Etcd3Registry> {
  const registry = new Etcd3Registry({ endpoints: etcd.endpoints, prefix, requestTimeoutMs: 2_000, maxWatchBackoffMs: 1_000 });
  onTestFinished(() => registry.close());
  expect((await registry.putConfig('{"Network":"10.5.0.0/16"}')).isOk()).toBe(true);
  return registry;
}

describe("lease lifecycle", () => {
  it("a lease with a short TTL disappears and the other hosts' watches see it removed", async () => {
    const registry = await network("/expiry/coreos.com/network");
    const seen: PeerLeaseEvent[] = [];
    const watch = watchPeerLeases({ registry, own: { publicIp: parseIp4("192.0.2.1")._unsafeUnwrap() }, onEvent: (e) => seen.push(e) });
    onTestFinished(() => watch.close());
    await expect.poll(() => seen.length, { timeout: 10_000 }).toBe(1);
    const subnet = parseSubnetKey("10.5.42.0-24")._unsafeUnwrap();
    const created = (await registry.createLease(subnet, host("192.0.2.2"), { ttlSeconds: 2 }))._unsafeUnwrap();
    await expect.poll(() => seen.map((e) => e.kind), { timeout: 10_000 }).toEqual(["snapshot", "added"]);
    const started = Date.now();
    await expect.poll(() => seen.map((e) => e.kind), { timeout: 15_000, interval: 100 }).toEqual(["snapshot", "added", "removed"]);
    expect(Date.now() - started).toBeGreaterThan(1_000);
    expect(seen[2]).toMatchObject({ kind: "removed", lease: { key: created.key, value: '{"PublicIP":"192.0.2.2","PublicIPv6":null}' } });
    expect((await registry.getLease(subnet))._unsafeUnwrap()).toBe(undefined);
    expect(watch.peers).toEqual([]);
  });

  it("an operator deletes a lease with etcdctl: its manager acquires the same subnet again", async () => {
    const registry = await network("/operator/coreos.com/network");
    const events: LeaseManagerEvent[] = [];
    const manager = new LeaseManager({ registry, attrs: host("192.0.2.1"), ttlSeconds: 60, renewMarginSeconds: 30, retryIntervalSeconds: 1, onEvent: (e) => events.push(e) });
    onTestFinished(() => manager.stop());
    const first = (await manager.start())._unsafeUnwrap();

    const deleted = await etcd.etcdctl(["del", first.lease.key]);
    expect(deleted).toMatchObject({ exitCode: 0, stdout: "1\n" });

    await expect.poll(() => events.map((e) => e.kind), { timeout: 15_000 }).toEqual(["acquired", "lost", "reacquired"]);
    expect(events[1]).toEqual({ kind: "lost", key: first.lease.key, reason: "deleted" });
    expect(events[2]).toMatchObject({ kind: "reacquired", previousKey: first.lease.key, sameSubnet: true, lease: { source: "previous" } });
    const got = await etcd.etcdctl(["get", first.lease.key, "--print-value-only"]);
    expect(got.stdout).toBe('{"PublicIP":"192.0.2.1","PublicIPv6":null}\n');
    expect(manager.lease?.lease.createRevision).toBeGreaterThan(first.lease.createRevision);
  });

  it("renewals carry on once a restarted etcd is back, and the lease keeps its subnet", async () => {
    const registry = await network("/restart/coreos.com/network");
    const events: LeaseManagerEvent[] = [];
    const manager = new LeaseManager({ registry, attrs: host("192.0.2.1"), ttlSeconds: 12, renewMarginSeconds: 10, retryIntervalSeconds: 1, onEvent: (e) => events.push(e) });
    onTestFinished(() => manager.stop());
    const first = (await manager.start())._unsafeUnwrap();
    await expect.poll(() => events.filter((e) => e.kind === "renewed").length, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);

    await etcd.halt();
    await expect.poll(() => events.filter((e) => e.kind === "renew-failed").length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1);
    await etcd.resume();
    const failedSoFar = events.length;
    await expect.poll(() => events.slice(failedSoFar).some((e) => e.kind === "renewed"), { timeout: 30_000 }).toBe(true);
    const kinds = new Set(events.map((e) => e.kind));
    expect(kinds.has("lost")).toBe(false);
    expect(manager.lease?.lease).toMatchObject({ key: first.lease.key, createRevision: first.lease.createRevision });
    const ttl = await etcd.etcdctl(["get", first.lease.key, "--print-value-only"]);
    expect(ttl.stdout).toBe('{"PublicIP":"192.0.2.1","PublicIPv6":null}\n');
  });
});
