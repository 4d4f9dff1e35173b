import { describe, expect, it } from "vitest";
import { checkStep, combineDigest, type HostStatus, leaseDigest, type StoredLease } from "./step-check.ts";

const lease = (n: number): StoredLease => ({ key: `/coreos.com/network/subnets/10.0.${n}.0-24`, value: `{"PublicIP":"198.18.0.${n}"}`, publicIp: `198.18.0.${n}` });
const digestOf = (leases: readonly StoredLease[]): number => leases.reduce((d, l) => combineDigest(d, leaseDigest(l.key, l.value), 1), 0);
const inStepHost = (all: readonly StoredLease[], n: number): HostStatus => {
  const others = all.filter((l) => l.publicIp !== `198.18.0.${n}`);
  return { index: n, publicIp: `198.18.0.${n}`, key: lease(n).key, peers: others.length, digest: digestOf(others) };
};

describe("leaseDigest and combineDigest", () => {
  it("a set's digest does not depend on the order, and removing undoes adding", () => {
    const [a, b, c] = [lease(1), lease(2), lease(3)];
    expect(digestOf([a, b, c])).toBe(digestOf([c, a, b]));
    expect(combineDigest(digestOf([a, b, c]), leaseDigest(b.key, b.value), -1)).toBe(digestOf([a, c]));
    expect(combineDigest(0, leaseDigest(a.key, a.value), -1)).toBeGreaterThanOrEqual(0);
  });

  it("tells key and value apart", () => {
    expect(leaseDigest("/a", "b")).not.toBe(leaseDigest("/a", "c"));
    expect(leaseDigest("/a", "b")).not.toBe(leaseDigest("/ab", ""));
  });
});

describe("checkStep", () => {
  const all = [lease(1), lease(2), lease(3)];
  const ok = { inStep: true, duplicates: 0, withoutLease: 0, peersOff: 0, doubleLeases: 0 };
  it.each([
    { name: "every host in step", hosts: [1, 2, 3].map((n) => inStepHost(all, n)), stored: all, want: ok },
    {
      name: "a host that has not heard of a new lease",
      hosts: [1, 2].map((n) => inStepHost(all.slice(0, 2), n)).concat([inStepHost(all, 3)]),
      stored: all,
      want: { ...ok, inStep: false, peersOff: 2 },
    },
    {
      name: "a host that still sees a deleted lease",
      hosts: [inStepHost(all, 1), inStepHost(all, 2)],
      stored: all.slice(0, 2),
      want: { ...ok, inStep: false, peersOff: 2 },
    },
    {
      name: "a host without a lease",
      hosts: [inStepHost(all, 1), inStepHost(all, 2), { ...inStepHost(all, 3), key: null }],
      stored: all,
      want: { ...ok, inStep: false, withoutLease: 1 },
    },
    {
      name: "a host holding a key etcd gave to another PublicIP",
      hosts: [inStepHost(all, 1), inStepHost(all, 2), { ...inStepHost(all, 3), key: lease(1).key }],
      stored: all,
      want: { ...ok, inStep: false, duplicates: 1, withoutLease: 1 },
    },
    {
      name: "two leases for one PublicIP",
      hosts: [1, 2, 3].map((n) => inStepHost(all, n)),
      stored: [...all, { ...lease(4), publicIp: "198.18.0.3" }],
      want: { ...ok, inStep: false, peersOff: 3, doubleLeases: 1 },
    },
    {
      name: "a peer set of the right size with a stale value",
      hosts: [inStepHost(all, 1), inStepHost(all, 2), { ...inStepHost(all, 3), digest: digestOf([lease(1), { ...lease(2), value: "old" }]) }],
      stored: all,
      want: { ...ok, inStep: false, peersOff: 1 },
    },
  ])("$name", ({ hosts, stored, want }) => {
    expect(checkStep(hosts, stored)).toEqual(want);
  });
});
