// Many hosts acquiring at once against one real etcd: the create-if-absent
// transaction lets exactly as many win as there are subnets, and no two end
// with the same subnet, read back from etcd itself with etcdctl.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import { acquireLease } from "../../src/flannel/lease-acquire.ts";
import { parseIp4 } from "../../src/subnet/ip.ts";
import { type EtcdNode, startEtcd } from "../../src/testing/index.ts";

let etcd: EtcdNode;
beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
});

describe("lease race", () => {
  it("50 hosts on a /24 of /28s: exactly 15 leases, 35 out-of-subnets, no subnet twice", async () => {
    const prefix = "/race/coreos.com/network";
    const hosts = Array.from({ length: 50 }, () => new Etcd3Registry({ endpoints: etcd.endpoints, prefix }));
    try {
      expect((await hosts[0]!.putConfig('{"Network":"10.5.0.0/24","SubnetLen":28}')).isOk()).toBe(true);
      const results = await Promise.all(
        hosts.map((registry, i) => acquireLease({ registry, attrs: { publicIp: parseIp4(`198.51.100.${i + 1}`)._unsafeUnwrap() }, ttlSeconds: 300 })),
      );
      const won = results.filter((r) => r.isOk()).map((r) => r._unsafeUnwrap());
      const lost = results.filter((r) => r.isErr()).map((r) => r._unsafeUnwrapErr().kind);
      expect(won.length).toBe(15);
      expect(lost).toEqual(Array(35).fill("out-of-subnets"));
      expect(new Set(won.map((w) => w.lease.key)).size).toBe(15);

      const listed = await etcd.etcdctl(["get", "--prefix", `${prefix}/subnets/`]);
      expect(listed.exitCode).toBe(0);
      const lines = listed.stdout.trimEnd().split("\n");
      const keys = lines.filter((_, i) => i % 2 === 0);
      const values = lines.filter((_, i) => i % 2 === 1);
      expect(keys.length).toBe(15);
      expect(new Set(keys).size).toBe(15);
      expect(new Set(values).size).toBe(15);
      expect(keys.every((k) => /^\/race\/coreos\.com\/network\/subnets\/10\.5\.0\.\d+-28$/.test(k))).toBe(true);
      expect(values.every((v) => /^\{"PublicIP":"198\.51\.100\.\d+","PublicIPv6":null\}$/.test(v))).toBe(true);
      expect(new Set(won.map((w) => w.lease.value))).toEqual(new Set(values));
    } finally {
      await Promise.all(hosts.map((h) => h.close()));
    }
  });
});
