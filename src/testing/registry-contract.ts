import type { Result } from "neverthrow";
import { parseIp4, parseIp6 } from "../subnet/ip.ts";
import { parseSubnetKey, type SubnetKey } from "../subnet/subnet-key.ts";
import type { LeaseAttrs, RawJson } from "../etcd/lease-attrs.ts";
import type { LeaseWatchEvent, Registry, RegistryError, WatchLeasesOptions } from "../etcd/registry.ts";

/**
 * The assertions the contract needs, a subset of vitest's and Jest's
 * `expect` (pass theirs).
 */
export type ContractExpect = (
  actual: unknown,
  message?: string,
) => {
  toEqual(expected: unknown): void;
  toBe(expected: unknown): void;
  toMatchObject(expected: object): void;
  toBeGreaterThan(expected: number): void;
  toBeGreaterThanOrEqual(expected: number): void;
  toBeLessThanOrEqual(expected: number): void;
};

/** What each contract case gets: fresh registries on an empty prefix of one store, and control of its time. */
export interface RegistryContractHarness {
  /** The registry under test, on a prefix no other case uses. */
  readonly registry: Registry;
  /** A second client of the same store and prefix (another host, or an operator). */
  readonly other: Registry;
  /**
   * Writes a raw value at a key of the store, as an operator with
   * `etcdctl put` could (used to plant values that are not leases).
   */
  putRaw(key: string, value: string): Promise<void>;
  /** Lets `ms` of the store's time pass: a manual clock moves; against etcd, real time passes. */
  passTime(ms: number): Promise<void>;
  /** Compacts the store's history up to `revision`. */
  compact(revision: number): Promise<void>;
}

/** One case of the contract. */
export interface RegistryContractCase {
  readonly name: string;
  readonly run: (harness: RegistryContractHarness, expect: ContractExpect) => Promise<void>;
}

const subnet = (text: string): SubnetKey => parseSubnetKey(text)._unsafeUnwrap();
const host = (ip: string): LeaseAttrs => ({ publicIp: parseIp4(ip)._unsafeUnwrap() });
const A = subnet("10.5.34.0-24");
const B = subnet("10.5.35.0-24");
const C = subnet("10.5.36.0-24");
const DUAL = subnet("10.5.37.0-24&fd00:12:13::-56");

async function value<T>(result: PromiseLike<Result<T, RegistryError>>): Promise<T> {
  const r = await result;
  if (r.isErr()) throw new Error(`registry operation failed: ${r.error.kind}: ${r.error.message}`);
  return r.value;
}

async function failure<T>(result: PromiseLike<Result<T, RegistryError>>): Promise<RegistryError> {
  const r = await result;
  if (r.isOk()) throw new Error(`expected the registry operation to fail, it returned ${JSON.stringify(r.value, bigintSafe)}`);
  return r.error;
}

const bigintSafe = (_key: string, v: unknown): unknown => (typeof v === "bigint" ? v.toString() : v);

/** Collects a watch's events; `until` polls in real time (events arrive asynchronously in both stores). */
function collect(registry: Registry, options: Omit<WatchLeasesOptions, "onEvent"> = {}) {
  const events: LeaseWatchEvent[] = [];
  const watch = registry.watchLeases({ ...options, onEvent: (e) => events.push(e) });
  return {
    events,
    close: () => watch.close(),
    async until(predicate: (events: readonly LeaseWatchEvent[]) => boolean, what: string, timeoutMs = 15_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(events)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; events so far: ${JSON.stringify(events.map(brief))}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
  };
}

function brief(e: LeaseWatchEvent): string {
  switch (e.kind) {
    case "snapshot":
      return `snapshot@${e.listing.revision}[${e.listing.leases.map((l) => l.key).join(",")}]`;
    case "put":
      return `put@${e.revision} ${e.lease.key}`;
    case "delete":
      return `delete@${e.revision} ${e.key}`;
    case "unreadable":
      return `unreadable@${e.revision} ${e.entry.key}`;
  }
}

/** Polls `check` while letting store time pass, for TTL expiry (etcd checks expiry every 500 ms). */
async function eventually(h: RegistryContractHarness, check: () => Promise<boolean>, what: string, stepMs = 500, steps = 30): Promise<void> {
  for (let i = 0; i < steps; i++) {
    if (await check()) return;
    await h.passTime(stepMs);
  }
  throw new Error(`${what} did not happen within ${(stepMs * steps) / 1000} s of store time`);
}

/**
 * The behaviour every {@link Registry} must have, as cases to run with any
 * test framework. The unit tests run it against the in-memory registry, the
 * integration tests against real etcd.
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it needs a running dockerd.
 * import { describe, expect, it } from "vitest";
 * import { MemoryRegistry } from "../etcd/memory-registry.ts";
 * import { registryContract } from "./registry-contract.ts";
 * import { ManualClock } from "../core/clock.ts";
 *
 * describe("my registry", () => {
 *   for (const c of registryContract) {
 *     it(c.name, async () => {
 *       const clock = new ManualClock();
 *       const registry = new MemoryRegistry({ clock });
 *       await c.run(
 *         {
 *           registry,
 *           other: registry,
 *           putRaw: async (key, value) => registry.putRaw(key, value),
 *           passTime: (ms) => clock.advanceAsync(ms),
 *           compact: async (revision) => registry.compact(revision),
 *         },
 *         expect,
 *       );
 *     });
 *   }
 * });
 * ```
 */
export const registryContract: readonly RegistryContractCase[] = [
  {
    name: "config: absent, created once, refused twice, replaced with overwrite",
    run: async (h, expect) => {
      const key = `${h.registry.prefix}/config`;
      expect(await failure(h.registry.getConfig())).toMatchObject({ kind: "config-not-found", key });
      const text = '{"Network":"10.5.0.0/16",\n "Backend": {"Type": "udp"}}';
      await value(h.registry.putConfig(text));
      expect(await value(h.other.getConfig())).toBe(text);
      expect(await failure(h.other.putConfig('{"Network":"10.9.0.0/16"}'))).toMatchObject({ kind: "config-exists", key });
      expect(await value(h.registry.getConfig())).toBe(text);
      await value(h.other.putConfig('{"Network":"10.9.0.0/16"}', { overwrite: true }));
      expect(await value(h.registry.getConfig())).toBe('{"Network":"10.9.0.0/16"}');
    },
  },
  {
    name: "createLease stores flanneld's bytes with a TTL and lists them at the store's revision",
    run: async (h, expect) => {
      const written = await value(h.registry.createLease(A, host("192.0.2.1"), { ttlSeconds: 30 }));
      expect(written).toMatchObject({
        key: `${h.registry.prefix}/subnets/10.5.34.0-24`,
        subnet: A,
        attrs: host("192.0.2.1"),
        value: '{"PublicIP":"192.0.2.1","PublicIPv6":null}',
        createRevision: written.modRevision,
      });
      expect(written.ttlSeconds).toBeGreaterThanOrEqual(30);
      expect(typeof written.leaseId).toBe("string");
      expect(/^[1-9][0-9]*$/.test(written.leaseId ?? "")).toBe(true);
      const listing = await value(h.other.listLeases());
      expect(listing.revision).toBeGreaterThanOrEqual(written.modRevision);
      expect(listing).toEqual({
        revision: listing.revision,
        leases: [
          {
            key: written.key,
            subnet: A,
            attrs: host("192.0.2.1"),
            value: written.value,
            leaseId: written.leaseId,
            createRevision: written.createRevision,
            modRevision: written.modRevision,
          },
        ],
        unreadable: [],
      });
      const ttl = await value(h.other.timeToLive(written.leaseId as string));
      expect(ttl).toBeGreaterThanOrEqual(25);
      expect(ttl).toBeLessThanOrEqual(written.ttlSeconds as number);
    },
  },
  {
    name: "createLease fails with lease-exists when the key exists, and only one of many concurrent creators wins",
    run: async (h, expect) => {
      await value(h.registry.createLease(A, host("192.0.2.1"), { ttlSeconds: 30 }));
      expect(await failure(h.other.createLease(A, host("192.0.2.2"), { ttlSeconds: 30 }))).toMatchObject({
        kind: "lease-exists",
        key: `${h.registry.prefix}/subnets/10.5.34.0-24`,
      });
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? h.registry : h.other).createLease(B, host(`192.0.2.${10 + i}`), { ttlSeconds: 30 })),
      );
      expect(results.filter((r) => r.isOk()).length).toBe(1);
      expect(results.filter((r) => r.isErr() && r.error.kind === "lease-exists").length).toBe(9);
      const winner = results.find((r) => r.isOk())?._unsafeUnwrap();
      const listing = await value(h.registry.listLeases());
      expect(listing.leases.map((l) => [l.key, l.value])).toEqual([
        [`${h.registry.prefix}/subnets/10.5.34.0-24`, '{"PublicIP":"192.0.2.1","PublicIPv6":null}'],
        [`${h.registry.prefix}/subnets/10.5.35.0-24`, winner?.value],
      ]);
    },
  },
  {
    name: "a lease with a short TTL expires: gone from listings, watchers see it deleted, timeToLive says null",
    run: async (h, expect) => {
      const kept = await value(h.registry.createLease(A, host("192.0.2.1"), { ttlSeconds: 600 }));
      const short = await value(h.registry.createLease(B, host("192.0.2.2"), { ttlSeconds: 2 }));
      const watch = collect(h.other);
      await watch.until((es) => es.length >= 1, "the snapshot");
      await eventually(h, async () => (await value(h.registry.listLeases())).leases.length === 1, "expiry of the 2 s lease");
      expect((await value(h.registry.listLeases())).leases.map((l) => l.key)).toEqual([kept.key]);
      await watch.until((es) => es.some((e) => e.kind === "delete"), "the delete event");
      expect(watch.events.filter((e) => e.kind === "delete")).toMatchObject([{ kind: "delete", key: short.key, subnet: B }]);
      expect(await value(h.registry.timeToLive(short.leaseId as string))).toBe(null);
      await watch.close();
    },
  },
  {
    name: "a reservation (no TTL) has no lease ID, outlives TTL leases, and stays one when its owner writes it again",
    run: async (h, expect) => {
      const reserved = await value(h.registry.createLease(A, host("192.0.2.1"), { ttlSeconds: null }));
      expect(reserved.leaseId).toBe(undefined);
      expect(reserved.ttlSeconds).toBe(null);
      await value(h.registry.createLease(B, host("192.0.2.2"), { ttlSeconds: 2 }));
      await eventually(h, async () => (await value(h.registry.listLeases())).leases.length === 1, "expiry of the TTL lease");
      const again = await value(h.registry.updateLease(A, host("192.0.2.1"), { ttlSeconds: null, ifCreateRevision: reserved.createRevision }));
      expect(again.leaseId).toBe(undefined);
      const listing = await value(h.other.listLeases());
      expect(listing.leases).toEqual([
        { key: reserved.key, subnet: A, attrs: host("192.0.2.1"), value: reserved.value, createRevision: reserved.createRevision, modRevision: again.modRevision },
      ]);
    },
  },
  {
    name: "updateLease renews with a new lease, keeps the create revision, and refuses a lease that changed",
    run: async (h, expect) => {
      const first = await value(h.registry.createLease(A, host("192.0.2.1"), { ttlSeconds: 30 }));
      const vxlan: LeaseAttrs = { ...host("192.0.2.1"), backendType: "vxlan", backendData: '{"VNI":1,"VtepMAC":"0e:2a:1c:3b:4d:5e"}' as RawJson };
      const renewed = await value(h.registry.updateLease(A, vxlan, { ttlSeconds: 60, ifCreateRevision: first.createRevision }));
      expect(renewed).toMatchObject({
        key: first.key,
        createRevision: first.createRevision,
        value: '{"PublicIP":"192.0.2.1","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0e:2a:1c:3b:4d:5e"}}',
      });
      expect(renewed.modRevision).toBeGreaterThan(first.modRevision);
      expect(renewed.leaseId === first.leaseId).toBe(false);
      expect(await value(h.other.getLease(A))).toEqual({
        key: first.key,
        subnet: A,
        attrs: vxlan,
        value: renewed.value,
        leaseId: renewed.leaseId,
        createRevision: first.createRevision,
        modRevision: renewed.modRevision,
      });
      expect(await failure(h.registry.updateLease(A, vxlan, { ttlSeconds: 60, ifCreateRevision: first.createRevision + 1000 }))).toMatchObject({
        kind: "lease-changed",
        key: first.key,
      });
      expect(await value(h.other.deleteLease(A))).toBe(true);
      expect(await failure(h.registry.updateLease(A, vxlan, { ttlSeconds: 60, ifCreateRevision: first.createRevision }))).toMatchObject({ kind: "lease-changed" });
      expect(await value(h.other.getLease(A))).toBe(undefined);
      const unconditional = await value(h.registry.updateLease(A, host("192.0.2.9"), { ttlSeconds: 60 }));
      expect(unconditional.createRevision).toBe(unconditional.modRevision);
    },
  },
  {
    name: "deleteLease deletes once, and only the lease it was told about",
    run: async (h, expect) => {
      const first = await value(h.registry.createLease(A, host("192.0.2.1"), { ttlSeconds: 30 }));
      expect(await failure(h.other.deleteLease(A, { ifCreateRevision: first.createRevision + 1 }))).toMatchObject({ kind: "lease-changed" });
      expect(await value(h.other.deleteLease(A, { ifCreateRevision: first.createRevision }))).toBe(true);
      expect(await value(h.other.deleteLease(A))).toBe(false);
      expect(await value(h.registry.getLease(A))).toBe(undefined);
    },
  },
  {
    name: "dual-stack keys, unknown fields and values that are not leases are read as flanneld stores them",
    run: async (h, expect) => {
      const prefix = h.registry.prefix;
      await h.putRaw(`${prefix}/subnets/10.5.37.0-24&fd00:12:13::-56`, '{"PublicIP":"192.0.2.7","PublicIPv6":"2001:db8::7","BackendType":"vxlan","Zone":"b"}');
      await h.putRaw(`${prefix}/subnets/10.5.36.0-24`, "not json");
      await h.putRaw(`${prefix}/subnets/10.5.36.300-24`, '{"PublicIP":"192.0.2.8"}');
      await h.putRaw(`${prefix}/subnetsX/10.5.38.0-24`, '{"PublicIP":"192.0.2.9"}');
      await value(h.registry.putConfig('{"Network":"10.5.0.0/16"}'));
      const listing = await value(h.other.listLeases());
      expect(listing.leases.map((l) => [l.subnet, l.attrs, l.leaseId])).toEqual([
        [
          DUAL,
          {
            publicIp: parseIp4("192.0.2.7")._unsafeUnwrap(),
            publicIpv6: parseIp6("2001:db8::7")._unsafeUnwrap(),
            backendType: "vxlan",
            extraFields: [["Zone", '"b"']],
          },
          undefined,
        ],
      ]);
      expect(listing.unreadable.map((u) => [u.key, u.subnet, u.error.kind])).toEqual([
        [`${prefix}/subnets/10.5.36.0-24`, C, "invalid-lease-value"],
        [`${prefix}/subnets/10.5.36.300-24`, undefined, "invalid-subnet-key"],
      ]);
      expect(await failure(h.registry.getLease(C))).toMatchObject({ kind: "unreadable-lease", key: `${prefix}/subnets/10.5.36.0-24` });
    },
  },
  {
    name: "watch: a snapshot, then puts and deletes in revision order with the revisions of the writes",
    run: async (h, expect) => {
      const a = await value(h.registry.createLease(A, host("192.0.2.1"), { ttlSeconds: 30 }));
      const watch = collect(h.other);
      await watch.until((es) => es.length === 1, "the snapshot");
      const b = await value(h.registry.createLease(B, host("192.0.2.2"), { ttlSeconds: 30 }));
      const a2 = await value(h.registry.updateLease(A, host("192.0.2.1"), { ttlSeconds: 30 }));
      await value(h.registry.deleteLease(B));
      await h.putRaw(`${h.registry.prefix}/subnets/10.5.36.0-24`, "[]");
      await value(h.registry.putConfig("{}"));
      await watch.until((es) => es.length === 5, "four changes");
      const [snapshot, ...changes] = watch.events;
      expect(snapshot).toMatchObject({ kind: "snapshot", listing: { leases: [{ key: a.key, modRevision: a.modRevision }], unreadable: [] } });
      if (snapshot?.kind === "snapshot") expect(snapshot.listing.revision).toBeGreaterThanOrEqual(a.modRevision);
      const shape = (e: LeaseWatchEvent): unknown[] => {
        switch (e.kind) {
          case "put":
            return [e.kind, e.revision, e.lease.key, e.lease.value];
          case "delete":
            return [e.kind, e.key];
          case "unreadable":
            return [e.kind, e.entry.key];
          case "snapshot":
            return [e.kind];
        }
      };
      expect(changes.map(shape)).toEqual([
        ["put", b.modRevision, b.key, b.value],
        ["put", a2.modRevision, a.key, a2.value],
        ["delete", b.key],
        ["unreadable", `${h.registry.prefix}/subnets/10.5.36.0-24`],
      ]);
      const revisions = changes.map((e) => (e.kind === "snapshot" ? e.listing.revision : e.revision));
      expect(revisions).toEqual([...revisions].sort((x, y) => x - y));
      expect(revisions[2] ?? 0).toBeGreaterThan(a2.modRevision);
      await watch.close();
    },
  },
  {
    name: "watch from a revision replays the changes since, without a snapshot",
    run: async (h, expect) => {
      const a = await value(h.registry.createLease(A, host("192.0.2.1"), { ttlSeconds: 30 }));
      const b = await value(h.registry.createLease(B, host("192.0.2.2"), { ttlSeconds: 30 }));
      const watch = collect(h.other, { fromRevision: a.modRevision });
      await watch.until((es) => es.length === 2, "two replayed puts");
      const c = await value(h.registry.createLease(C, host("192.0.2.3"), { ttlSeconds: 30 }));
      await watch.until((es) => es.length === 3, "a live put");
      expect(watch.events.map((e) => (e.kind === "put" ? [e.revision, e.lease.key] : [e.kind]))).toEqual([
        [a.modRevision, a.key],
        [b.modRevision, b.key],
        [c.modRevision, c.key],
      ]);
      await watch.close();
    },
  },
  {
    name: "watch from a compacted revision starts over with a snapshot of the current leases",
    run: async (h, expect) => {
      const a = await value(h.registry.createLease(A, host("192.0.2.1"), { ttlSeconds: 30 }));
      await value(h.registry.createLease(B, host("192.0.2.2"), { ttlSeconds: 30 }));
      await value(h.registry.deleteLease(A));
      const c = await value(h.registry.createLease(C, host("192.0.2.3"), { ttlSeconds: 30 }));
      await h.compact(c.modRevision);
      const watch = collect(h.other, { fromRevision: a.modRevision });
      await watch.until((es) => es.length >= 1, "a snapshot");
      expect(watch.events[0]).toMatchObject({ kind: "snapshot", listing: { leases: [{ subnet: B }, { subnet: C }] } });
      const again = await value(h.registry.createLease(A, host("192.0.2.4"), { ttlSeconds: 30 }));
      await watch.until((es) => es.length >= 2, "the next change");
      expect(watch.events.slice(1)).toMatchObject([{ kind: "put", revision: again.modRevision, lease: { subnet: A } }]);
      await watch.close();
    },
  },
  {
    name: "a closed watch delivers nothing more",
    run: async (h, expect) => {
      const watch = collect(h.other);
      await watch.until((es) => es.length === 1, "the snapshot");
      await watch.close();
      const witness = collect(h.other);
      await witness.until((es) => es.length === 1, "the snapshot of a second watch");
      await value(h.registry.createLease(A, host("192.0.2.1"), { ttlSeconds: 30 }));
      await witness.until((es) => es.some((e) => e.kind === "put"), "the put on the second watch");
      expect(watch.events.length).toBe(1);
      await witness.close();
    },
  },
];
