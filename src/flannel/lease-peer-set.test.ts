import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatLeaseAttrs } from "../etcd/lease-attrs.ts";
import type { LeaseRecord, LeaseWatchEvent } from "../etcd/registry.ts";
import { ip4 } from "../subnet/ip.ts";
import { parseSubnetKey } from "../subnet/subnet-key.ts";
import { type PeerLeaseEvent, PeerLeaseSet } from "./lease-peer-set.ts";

const PREFIX = "/coreos.com/network/subnets/";
const keyOf = (n: number) => `${PREFIX}10.5.${n}.0-24`;

function lease(n: number, ip: number, revision: number): LeaseRecord {
  const attrs = { publicIp: ip4(0xc0000200 + ip) };
  return {
    key: keyOf(n),
    subnet: parseSubnetKey(`10.5.${n}.0-24`)._unsafeUnwrap(),
    attrs,
    value: formatLeaseAttrs(attrs),
    leaseId: String(1000 + revision),
    createRevision: revision,
    modRevision: revision,
  };
}

const snapshot = (revision: number, ...leases: LeaseRecord[]): LeaseWatchEvent => ({ kind: "snapshot", listing: { revision, leases, unreadable: [] } });
const put = (l: LeaseRecord): LeaseWatchEvent => ({ kind: "put", revision: l.modRevision, lease: l });
const del = (n: number, revision: number): LeaseWatchEvent => ({
  kind: "delete",
  revision,
  key: keyOf(n),
  subnet: parseSubnetKey(`10.5.${n}.0-24`)._unsafeUnwrap(),
});

describe("PeerLeaseSet", () => {
  it("reports the first snapshot whole, without the host's own lease", () => {
    const set = new PeerLeaseSet({ key: keyOf(1) });
    expect(set.apply(snapshot(10, lease(2, 2, 5), lease(1, 1, 4), lease(3, 3, 6)))).toEqual([{ kind: "snapshot", peers: [lease(2, 2, 5), lease(3, 3, 6)] }]);
  });

  it("turns puts and deletes into added, updated and removed; a renewal with the same value is silent", () => {
    const set = new PeerLeaseSet({ key: keyOf(1) });
    set.apply(snapshot(10, lease(2, 2, 5)));
    expect(set.apply(put(lease(3, 3, 11)))).toEqual([{ kind: "added", lease: lease(3, 3, 11) }]);
    expect(set.apply(put({ ...lease(3, 3, 12), createRevision: 11 }))).toEqual([]);
    expect(set.apply(put(lease(3, 9, 13)))).toEqual([{ kind: "updated", lease: lease(3, 9, 13), previous: { ...lease(3, 3, 12), createRevision: 11 } }]);
    expect(set.apply(del(2, 14))).toEqual([{ kind: "removed", lease: lease(2, 2, 5) }]);
    expect(set.apply(del(2, 15))).toEqual([]);
    expect(set.apply(put(lease(1, 1, 16)))).toEqual([]);
    const entry = { key: keyOf(3), value: "x", error: { kind: "invalid-lease-value" as const, value: "x", reason: "r", message: "m" } };
    expect(set.apply({ kind: "unreadable", revision: 17, entry })).toEqual([
      { kind: "removed", lease: lease(3, 9, 13) },
      { kind: "unreadable", entry },
    ]);
    expect(set.peers).toEqual([]);
  });

  it("diffs a later snapshot (a watch that started over) against what it holds", () => {
    const set = new PeerLeaseSet({ key: keyOf(1) });
    set.apply(snapshot(10, lease(2, 2, 5), lease(3, 3, 6), lease(4, 4, 7)));
    expect(set.apply(snapshot(20, lease(1, 1, 15), lease(3, 3, 16), lease(4, 8, 17), lease(5, 5, 18)))).toEqual([
      { kind: "removed", lease: lease(2, 2, 5) },
      { kind: "updated", lease: lease(4, 8, 17), previous: lease(4, 4, 7) },
      { kind: "added", lease: lease(5, 5, 18) },
    ]);
  });

  it("moves leases in and out of view when the host's own key changes", () => {
    const set = new PeerLeaseSet({ key: keyOf(1) });
    set.apply(snapshot(10, lease(1, 7, 5), lease(2, 2, 6)));
    expect(set.setOwn({ key: keyOf(3) })).toEqual([{ kind: "added", lease: lease(1, 7, 5) }]);
    expect(set.apply(put(lease(3, 1, 11)))).toEqual([]);
    expect(set.setOwn({ key: keyOf(2) })).toEqual([
      { kind: "removed", lease: lease(2, 2, 6) },
      { kind: "added", lease: lease(3, 1, 11) },
    ]);
    expect(set.own).toEqual({ key: keyOf(2) });
  });

  it("leaves out every lease with the host's PublicIP, wherever it is", () => {
    const set = new PeerLeaseSet({ publicIp: ip4(0xc0000201) });
    expect(set.apply(snapshot(10, lease(1, 1, 5), lease(2, 2, 6)))).toEqual([{ kind: "snapshot", peers: [lease(2, 2, 6)] }]);
    expect(set.apply(put(lease(3, 1, 11)))).toEqual([]);
    expect(set.apply(put(lease(2, 1, 12)))).toEqual([{ kind: "removed", lease: lease(2, 2, 6) }]);
    expect(set.setOwn({})).toEqual([
      { kind: "added", lease: lease(1, 1, 5) },
      { kind: "added", lease: lease(2, 1, 12) },
      { kind: "added", lease: lease(3, 1, 11) },
    ]);
  });

  it("replaying its events always rebuilds exactly its peers, which are the store's leases minus the own one", () => {
    const op = fc.oneof(
      fc.record({ t: fc.constant("put" as const), n: fc.integer({ min: 1, max: 5 }), ip: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ t: fc.constant("del" as const), n: fc.integer({ min: 1, max: 5 }) }),
      fc.record({ t: fc.constant("snap" as const) }),
      fc.record({ t: fc.constant("own" as const), n: fc.integer({ min: 0, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const set = new PeerLeaseSet({ key: keyOf(1) });
        const store = new Map<string, LeaseRecord>();
        let own: string | undefined = keyOf(1);
        const replica = new Map<string, LeaseRecord>();
        const replay = (events: PeerLeaseEvent[]) => {
          for (const e of events) {
            if (e.kind === "snapshot") {
              replica.clear();
              for (const l of e.peers) replica.set(l.key, l);
            } else if (e.kind === "unreadable") {
              continue;
            } else if (e.kind === "removed") {
              expect(replica.has(e.lease.key)).toBe(true);
              replica.delete(e.lease.key);
            } else {
              expect(replica.has(e.lease.key)).toBe(e.kind === "updated");
              replica.set(e.lease.key, e.lease);
            }
          }
        };
        replay(set.apply(snapshot(1)));
        let revision = 1;
        for (const o of ops) {
          revision++;
          if (o.t === "put") {
            const l = lease(o.n, o.ip, revision);
            store.set(l.key, l);
            replay(set.apply(put(l)));
          } else if (o.t === "del") {
            store.delete(keyOf(o.n));
            replay(set.apply(del(o.n, revision)));
          } else if (o.t === "snap") {
            replay(set.apply(snapshot(revision, ...store.values())));
          } else {
            own = o.n === 0 ? undefined : keyOf(o.n);
            replay(set.setOwn(own === undefined ? {} : { key: own }));
          }
          const expected = [...store.values()].filter((l) => l.key !== own).map((l) => [l.key, l.value]).sort();
          expect(set.peers.map((l) => [l.key, l.value])).toEqual(expected);
          expect([...replica.values()].map((l) => [l.key, l.value]).sort()).toEqual(expected);
        }
      }),
    );
  });
});
