// Whether every simulated host agrees with etcd: each holds one lease of its
// own, and each sees exactly the other hosts' leases. Hosts report a digest of
// their peer set (kept up to date from peer events), not the set itself, so
// that checking 1,000 hosts costs a few kilobytes.

/**
 * An order-independent digest term of one lease: FNV-1a (32 bit) of key and
 * value. A set's digest is the sum of its terms modulo 2^32, so adding and
 * removing a lease is one addition or subtraction.
 *
 * @param key the lease key
 * @param value the lease value as stored
 * @returns the term, an unsigned 32-bit integer
 * @example
 * ```ts
 * import { leaseDigest } from "./step-check.ts";
 * leaseDigest("/k", "v") === leaseDigest("/k", "v"); // true
 * ```
 */
export function leaseDigest(key: string, value: string): number {
  let h = 0x811c9dc5;
  const text = `${key}\n${value}`;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Adds (`sign` 1) or removes (`sign` -1) a term from a set digest. */
export function combineDigest(digest: number, term: number, sign: 1 | -1): number {
  return (digest + sign * term) >>> 0;
}

/** What one simulated host reports about itself. */
export interface HostStatus {
  /** The host's number, 0-based. */
  readonly index: number;
  /** Its PublicIP, dotted. */
  readonly publicIp: string;
  /** The key of the lease it holds, or null while it holds none. */
  readonly key: string | null;
  /** How many peers its peer watch has. */
  readonly peers: number;
  /** The digest of its peer set. */
  readonly digest: number;
}

/** A lease as etcd lists it. */
export interface StoredLease {
  readonly key: string;
  readonly value: string;
  readonly publicIp: string;
}

/** How far the hosts are from etcd's state. */
export interface StepReport {
  /** Every host holds its own lease in etcd and sees all the others, nothing more. */
  readonly inStep: boolean;
  /** Lease keys that more than one host believes it holds. */
  readonly duplicates: number;
  /** Hosts holding no lease, or one that etcd does not have under their PublicIP. */
  readonly withoutLease: number;
  /** Hosts whose peer set differs from etcd's leases minus their own. */
  readonly peersOff: number;
  /** PublicIPs with more than one lease in etcd. */
  readonly doubleLeases: number;
}

/**
 * Compares the hosts' reports with etcd's leases.
 *
 * @param hosts every host's status
 * @param stored every lease in etcd
 * @returns the counts; `inStep` when all are zero
 * @example
 * ```ts
 * import { checkStep, leaseDigest } from "./step-check.ts";
 * const a = { key: "/a", value: "A", publicIp: "198.18.0.1" };
 * const b = { key: "/b", value: "B", publicIp: "198.18.0.2" };
 * checkStep(
 *   [
 *     { index: 0, publicIp: a.publicIp, key: a.key, peers: 1, digest: leaseDigest(b.key, b.value) },
 *     { index: 1, publicIp: b.publicIp, key: b.key, peers: 1, digest: leaseDigest(a.key, a.value) },
 *   ],
 *   [a, b],
 * ).inStep; // true
 * ```
 */
export function checkStep(hosts: readonly HostStatus[], stored: readonly StoredLease[]): StepReport {
  const byKey = new Map(stored.map((l) => [l.key, l]));
  const perIp = new Map<string, number>();
  let total = 0;
  for (const l of stored) {
    total = combineDigest(total, leaseDigest(l.key, l.value), 1);
    perIp.set(l.publicIp, (perIp.get(l.publicIp) ?? 0) + 1);
  }
  const holders = new Map<string, number>();
  let withoutLease = 0;
  let peersOff = 0;
  for (const h of hosts) {
    const own = h.key === null ? undefined : byKey.get(h.key);
    if (h.key !== null) holders.set(h.key, (holders.get(h.key) ?? 0) + 1);
    if (own === undefined || own.publicIp !== h.publicIp) {
      withoutLease++;
      continue;
    }
    const expected = combineDigest(total, leaseDigest(own.key, own.value), -1);
    if (h.peers !== stored.length - 1 || h.digest !== expected) peersOff++;
  }
  const duplicates = [...holders.values()].filter((n) => n > 1).length;
  const doubleLeases = [...perIp.values()].filter((n) => n > 1).length;
  return { inStep: duplicates === 0 && withoutLease === 0 && peersOff === 0 && doubleLeases === 0, duplicates, withoutLease, peersOff, doubleLeases };
}
