// A three-member etcd cluster loses its leader in the middle of a storm of
// acquisitions: every acquirer still ends with a lease, and no subnet is
// held twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import { type AcquiredLease, acquireLease, type AcquireLeaseError } from "../../src/flannel/lease-acquire.ts";
import { parseIp4 } from "../../src/subnet/ip.ts";
import type { Result } from "neverthrow";
import { type EtcdCluster, startEtcdCluster } from "../../src/testing/index.ts";

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
      // Half the hosts start staggered over about a second, so that some
      // acquisitions finish before the leader goes and others are in flight
      // while it goes; the other half start once it has gone (the halt's
      // own length varies with the machine's load, so a fixed schedule
      // could miss "after").
      const spans: [number, number][] = [];
      const acquire = async (registry: Etcd3Registry, i: number): Promise<Result<AcquiredLease, AcquireLeaseError>> => {
        const began = Date.now();
        const result = await acquireLease({ registry, attrs: { publicIp: parseIp4(`203.0.113.${i + 1}`)._unsafeUnwrap() }, ttlSeconds: 600, maxAttempts: 20 });
        spans.push([began, Date.now()]);
        return result;
      };
      const before = hosts.slice(0, 20).map(async (registry, i) => {
        await sleep(i * 50);
        return acquire(registry, i);
      });
      await sleep(600);
      const haltBegan = Date.now();
      await leader.halt();
      const haltEnded = Date.now();
      const after = hosts.slice(20).map(async (registry, j) => {
        await sleep(j * 50);
        return acquire(registry, 20 + j);
      });
      const results = await Promise.all([...before, ...after]);
      expect(spans.some(([, end]) => end < haltBegan)).toBe(true);
      expect(spans.filter(([begin]) => begin >= haltEnded)).toHaveLength(20);
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
