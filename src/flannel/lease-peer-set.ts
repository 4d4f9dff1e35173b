import type { PeerChange } from "../backend/backend.ts";
import type { LeaseRecord, LeaseWatchEvent, UnreadableLease } from "../etcd/registry.ts";
import { type Ip4, ipEquals } from "../subnet/ip.ts";

/**
 * A change in the set of other hosts' leases: the peers at the first
 * snapshot, then each {@link PeerChange} (a host got a lease, its value
 * changed, it is gone), and each stored value that cannot be read (it is
 * skipped: a lease it replaced counts as removed).
 */
export type PeerLeaseEvent =
  | { readonly kind: "snapshot"; readonly peers: readonly LeaseRecord[] }
  | PeerChange
  | { readonly kind: "unreadable"; readonly entry: UnreadableLease };

/**
 * How to tell this host's own leases from its peers': by key, and by PublicIP
 * (a lease with the host's PublicIP is its own wherever it is, even one it
 * just created and has not been told the key of yet).
 */
export interface OwnLease {
  /** The key of this host's lease. */
  readonly key?: string;
  /** This host's PublicIP. */
  readonly publicIp?: Ip4;
}

const byKey = (a: LeaseRecord, b: LeaseRecord): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The other hosts' leases, kept from a registry's watch events: the pure half
 * of watching peers (flanneld's LeaseWatcher). Feed it every
 * {@link LeaseWatchEvent}; it answers with what changed for the host, its own
 * leases left out. A snapshot after the first (a watch that started over) is
 * diffed against what it holds, so consumers only ever see changes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PeerLeaseSet } from "flannel-ts/flannel";
 * const peers = new PeerLeaseSet({ key: "/coreos.com/network/subnets/10.5.1.0-24" });
 * assert.deepEqual(peers.apply({ kind: "snapshot", listing: { revision: 7, leases: [], unreadable: [] } }), [{ kind: "snapshot", peers: [] }]);
 * ```
 */
export class PeerLeaseSet {
  #own: OwnLease;
  #started = false;
  readonly #all = new Map<string, LeaseRecord>();

  /**
   * @param own this host's lease key and PublicIP, left out of every event; default none
   */
  constructor(own: OwnLease = {}) {
    this.#own = own;
  }

  /** What is left out as this host's own. */
  get own(): OwnLease {
    return this.#own;
  }

  /** The other hosts' leases, in key order. */
  get peers(): readonly LeaseRecord[] {
    return [...this.#all.values()].filter((l) => !this.#isOwn(l)).sort(byKey);
  }

  /**
   * Applies one watch event.
   *
   * @param event from {@link Registry.watchLeases}
   * @returns the peer changes it makes, in key order
   */
  apply(event: LeaseWatchEvent): PeerLeaseEvent[] {
    switch (event.kind) {
      case "snapshot": {
        const next = new Map(event.listing.leases.map((l) => [l.key, l]));
        const unreadable = event.listing.unreadable.map((entry): PeerLeaseEvent => ({ kind: "unreadable", entry }));
        if (!this.#started) {
          this.#started = true;
          this.#all.clear();
          for (const [k, l] of next) this.#all.set(k, l);
          return [{ kind: "snapshot", peers: this.peers }, ...unreadable];
        }
        const keys = [...new Set([...this.#all.keys(), ...next.keys()])].sort();
        return [...keys.flatMap((key) => this.#change(key, next.get(key))), ...unreadable];
      }
      case "put":
        this.#started = true;
        return this.#change(event.lease.key, event.lease);
      case "delete":
        this.#started = true;
        return this.#change(event.key, undefined);
      case "unreadable":
        this.#started = true;
        return [...this.#change(event.entry.key, undefined), { kind: "unreadable", entry: event.entry }];
    }
  }

  /**
   * Changes what is this host's own (after it acquired another subnet). A
   * lease at the old key that belongs to someone else becomes a peer.
   *
   * @param own the new key and PublicIP
   * @returns the peer changes that makes
   */
  setOwn(own: OwnLease): PeerLeaseEvent[] {
    const keys = [...this.#all.keys()].sort();
    const before = new Map(keys.map((k) => [k, this.#view(k)]));
    this.#own = own;
    return keys.flatMap((k) => diff(before.get(k), this.#view(k)));
  }

  #isOwn(lease: LeaseRecord): boolean {
    const { key, publicIp } = this.#own;
    return lease.key === key || (publicIp !== undefined && ipEquals(lease.attrs.publicIp, publicIp));
  }

  #view(key: string): LeaseRecord | undefined {
    const lease = this.#all.get(key);
    return lease === undefined || this.#isOwn(lease) ? undefined : lease;
  }

  #change(key: string, lease: LeaseRecord | undefined): PeerLeaseEvent[] {
    const before = this.#view(key);
    if (lease === undefined) this.#all.delete(key);
    else this.#all.set(key, lease);
    return diff(before, this.#view(key));
  }
}

function diff(before: LeaseRecord | undefined, after: LeaseRecord | undefined): PeerChange[] {
  if (before === undefined) return after === undefined ? [] : [{ kind: "added", lease: after }];
  if (after === undefined) return [{ kind: "removed", lease: before }];
  return before.value === after.value ? [] : [{ kind: "updated", lease: after, previous: before }];
}
