// A three-member etcd cluster loses its leader in the middle of a storm of
// acquisitions: every acquirer still ends with a lease, and no subnet is
// held twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import { acquireLease, type AcquireLeaseError, type AcquiredLease } from "../../src/flannel/lease-acquire.ts";
import { parseIp4 } from "../../src/subnet/ip.ts";
import type { Result } from "neverthrow";
import { startEtcdCluster, type EtcdCluster } from "../../src/testing/index.ts";

let cluster: EtcdCluster;
beforeAll(async () => {
  cluster = await startEtcdCluster({ size: 3 });
});
afterAll(async () => {
  await cluster?.stop();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("lease storm on a cluster", () => {
  it("stopping the leader during 40 acquisitions: all finish with distinct subnets", async () => {
    const prefix = "/storm/coreos.com/network";
    const admin = new Etcd3Registry({ endpoints: cluster.endpoints, prefix });
    const hosts = Array.from({ length: 40 }, () => new Etcd3Registry({ endpoints: cluster.endpoints, prefix, requestTimeoutMs: 2_000 }));
    try {
      expect((await admin.putConfig('{"Network":"10.5.0.0/16","SubnetLen":24}')).isOk()).toBe(true);
      const leader = await cluster.leader();
      // Staggered over about two seconds, so that acquisitions are in flight
      // before, while and after the leader goes.
      const spans: [number, number][] = [];
      const storm: Promise<Result<AcquiredLease, AcquireLeaseError>>[] = hosts.map(async (registry, i) => {
        await sleep(i * 50);
        const began = Date.now();
        const result = await acquireLease({ registry, attrs: { publicIp: parseIp4(`203.0.113.${i + 1}`)._unsafeUnwrap() }, ttlSeconds: 600, maxAttempts: 20 });
        spans.push([began, Date.now()]);
        return result;
      });
      await sleep(600);
      const haltBegan = Date.now();
      await leader.halt();
      const haltEnded = Date.now();
      const results = await Promise.all(storm);
      // The storm really went on around the halt: some acquisitions before it, some during or after.
      expect(spans.some(([, end]) => end < haltBegan)).toBe(true);
      expect(spans.some(([begin]) => begin >= haltEnded)).toBe(true);
      const failures = results.filter((r) => r.isErr()).map((r) => r._unsafeUnwrapErr().message);
      expect(failures).toEqual([]);
      const leases = results.map((r) => r._unsafeUnwrap());
      expect(new Set(leases.map((l) => l.lease.key)).size).toBe(40);

      const next = await cluster.leader();
      expect(next.name).not.toBe(leader.name);
      const listed = await next.etcdctl(["get", "--prefix", `${prefix}/subnets/`, "--keys-only"]);
      const keys = listed.stdout.split("\n").filter((l) => l !== "");
      expect(keys.length).toBe(40);
      expect(new Set(keys).size).toBe(40);
      const listing = (await admin.listLeases())._unsafeUnwrap();
      const byHost = new Map(listing.leases.map((l) => [l.value, l.key]));
      expect(byHost.size).toBe(40);
      for (const l of leases) expect(byHost.get(l.lease.value)).toBe(l.lease.key);
      await leader.resume();
    } finally {
      await Promise.all([admin, ...hosts].map((h) => h.close()));
    }
  });
});
