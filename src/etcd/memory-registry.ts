import { err, ok, type Result, ResultAsync } from "neverthrow";
import { type Clock, systemClock, type Timer } from "../core/clock.ts";
import { DEFAULT_ETCD_PREFIX } from "../core/defaults.ts";
import type { SubnetKey } from "../subnet/subnet-key.ts";
import { decodeLeaseEntry, registryError, type StoredEntry } from "./_lease-entry.ts";
import { type FlannelKeyLayout, flannelKeyLayout } from "./key-layout.ts";
import { formatLeaseAttrs, type LeaseAttrs } from "./lease-attrs.ts";
import type {
  CreateLeaseOptions,
  DeleteLeaseOptions,
  LeaseListing,
  LeaseRecord,
  LeaseWatch,
  LeaseWatchEvent,
  PutConfigOptions,
  Registry,
  RegistryError,
  UpdateLeaseOptions,
  WatchLeasesOptions,
  WrittenLease,
} from "./registry.ts";

/** Options for {@link MemoryRegistry}. */
export interface MemoryRegistryOptions {
  /** Key prefix. Default {@link DEFAULT_ETCD_PREFIX}. */
  readonly prefix?: string;
  /** The clock TTLs run on. Default: the system clock. */
  readonly clock?: Clock;
  /** TTLs below this are raised to it, as etcd raises them to its minimum. Default 1 second. */
  readonly minTtlSeconds?: number;
  /** Revisions of history kept for watches that start in the past; older ones are compacted. Default 10,000. */
  readonly historyLimit?: number;
}

interface Entry {
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly leaseId: string | undefined;
}

interface LeaseState {
  readonly ttlSeconds: number;
  readonly expiresAt: number;
  readonly keys: Set<string>;
  readonly timer: Timer;
}

interface Change {
  readonly revision: number;
  readonly key: string;
  /** The entry after a put; undefined for a delete. */
  readonly entry: Entry | undefined;
}

interface Watcher {
  next: number;
  closed: boolean;
  readonly queue: LeaseWatchEvent[];
  scheduled: boolean;
  readonly onEvent: (event: LeaseWatchEvent) => void;
}

// Above 2^53, so that code which turns lease IDs into numbers fails its tests.
const FIRST_LEASE_ID = 7_000_000_000_000_000_001n;

const toAsync = <T>(result: Result<T, RegistryError>): ResultAsync<T, RegistryError> => new ResultAsync(Promise.resolve(result));

/**
 * A {@link Registry} in memory with etcd's semantics: one revision counter
 * for every write, create-if-absent, TTLs carried by leases that expire on an
 * injected clock (deleting their keys), and watches that replay history from
 * a revision or start from a snapshot once that history is compacted. It is
 * the embedded store (a single process, several managers) and the store of
 * the unit tests. Share one instance between the managers that must see each
 * other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ManualClock } from "flannel-ts/core";
 * import { MemoryRegistry } from "flannel-ts/etcd";
 * import { parseIp4, parseSubnetKey } from "flannel-ts/subnet";
 *
 * const clock = new ManualClock();
 * const registry = new MemoryRegistry({ clock });
 * const subnet = parseSubnetKey("10.5.34.0-24")._unsafeUnwrap();
 * const publicIp = parseIp4("192.0.2.1")._unsafeUnwrap();
 * assert.ok((await registry.createLease(subnet, { publicIp }, { ttlSeconds: 60 })).isOk());
 * assert.equal((await registry.listLeases())._unsafeUnwrap().leases.length, 1);
 * clock.advance(60_000);
 * assert.equal((await registry.listLeases())._unsafeUnwrap().leases.length, 0); // expired
 * await registry.close();
 * ```
 */
export class MemoryRegistry implements Registry {
  readonly prefix: string;
  readonly #layout: FlannelKeyLayout;
  readonly #clock: Clock;
  readonly #minTtl: number;
  readonly #historyLimit: number;
  #revision = 1;
  #compacted = 0;
  #nextLeaseId = FIRST_LEASE_ID;
  #closed = false;
  readonly #kv = new Map<string, Entry>();
  readonly #leases = new Map<string, LeaseState>();
  #history: Change[] = [];
  readonly #watchers = new Set<Watcher>();

  /**
   * @param options prefix, clock, minimum TTL, history kept; all optional
   */
  constructor(options: MemoryRegistryOptions = {}) {
    this.#layout = flannelKeyLayout(options.prefix ?? DEFAULT_ETCD_PREFIX);
    this.prefix = this.#layout.prefix;
    this.#clock = options.clock ?? systemClock;
    this.#minTtl = options.minTtlSeconds ?? 1;
    this.#historyLimit = options.historyLimit ?? 10_000;
  }

  /** The store's current revision (1 before the first write, as in etcd). */
  get revision(): number {
    return this.#revision;
  }

  /** The revision up to which history has been compacted (0 for none). */
  get compactedRevision(): number {
    return this.#compacted;
  }

  /**
   * Drops the history up to `revision`, as etcd's compaction does: watches
   * that start at or below it get a snapshot instead of the changes.
   *
   * @param revision at most the current revision
   */
  compact(revision: number): void {
    if (revision > this.#revision) throw new RangeError(`MemoryRegistry.compact: revision ${revision} is in the future (current ${this.#revision})`);
    if (revision <= this.#compacted) return;
    this.#compacted = revision;
    this.#history = this.#history.filter((c) => c.revision > revision);
  }

  /**
   * Writes any value at any key, without a TTL, as an operator with
   * `etcdctl put` could: for tests and tools that plant values flannel-ts
   * would not write.
   *
   * @param key a full key
   * @param value the value
   */
  putRaw(key: string, value: string): void {
    if (this.#closed) throw new Error("MemoryRegistry.putRaw: the registry is closed");
    this.#expire();
    this.#put(key, value, undefined);
  }

  getConfig(): ResultAsync<string, RegistryError> {
    return toAsync(
      this.#begin().andThen(() => {
        const entry = this.#kv.get(this.#layout.configKey);
        return entry === undefined ? err(registryError.configNotFound(this.#layout.configKey)) : ok(entry.value);
      }),
    );
  }

  putConfig(text: string, options: PutConfigOptions = {}): ResultAsync<void, RegistryError> {
    return toAsync(
      this.#begin().andThen(() => {
        const key = this.#layout.configKey;
        if (options.overwrite !== true && this.#kv.has(key)) return err(registryError.configExists(key));
        this.#put(key, text, undefined);
        return ok(undefined);
      }),
    );
  }

  listLeases(): ResultAsync<LeaseListing, RegistryError> {
    return toAsync(this.#begin().map(() => this.#listing()));
  }

  getLease(subnet: SubnetKey): ResultAsync<LeaseRecord | undefined, RegistryError> {
    return toAsync(
      this.#begin().andThen((): Result<LeaseRecord | undefined, RegistryError> => {
        const key = this.#layout.leaseKey(subnet);
        const entry = this.#kv.get(key);
        if (entry === undefined) return ok(undefined);
        const decoded = decodeLeaseEntry(this.#layout, stored(key, entry));
        if ("lease" in decoded) return ok(decoded.lease);
        const error = decoded.unreadable.error;
        if (error.kind !== "invalid-lease-value") throw new Error(`bug: ${key} built from a subnet does not parse back`);
        return err({ kind: "unreadable-lease", key, error, message: `${key}: ${error.message}` });
      }),
    );
  }

  createLease(subnet: SubnetKey, attrs: LeaseAttrs, options: CreateLeaseOptions): ResultAsync<WrittenLease, RegistryError> {
    return toAsync(
      this.#begin().andThen(() => {
        const key = this.#layout.leaseKey(subnet);
        if (this.#kv.has(key)) return err(registryError.leaseExists(key));
        return ok(this.#write(key, subnet, attrs, options.ttlSeconds));
      }),
    );
  }

  updateLease(subnet: SubnetKey, attrs: LeaseAttrs, options: UpdateLeaseOptions): ResultAsync<WrittenLease, RegistryError> {
    return toAsync(
      this.#begin().andThen(() => {
        const key = this.#layout.leaseKey(subnet);
        const expected = options.ifCreateRevision;
        if (expected !== undefined && this.#kv.get(key)?.createRevision !== expected) return err(registryError.leaseChanged(key, expected));
        return ok(this.#write(key, subnet, attrs, options.ttlSeconds));
      }),
    );
  }

  deleteLease(subnet: SubnetKey, options: DeleteLeaseOptions = {}): ResultAsync<boolean, RegistryError> {
    return toAsync(
      this.#begin().andThen(() => {
        const key = this.#layout.leaseKey(subnet);
        const entry = this.#kv.get(key);
        const expected = options.ifCreateRevision;
        if (expected !== undefined && entry?.createRevision !== expected) return err(registryError.leaseChanged(key, expected));
        if (entry === undefined) return ok(false);
        this.#delete([key]);
        return ok(true);
      }),
    );
  }

  timeToLive(leaseId: string): ResultAsync<number | null, RegistryError> {
    return toAsync(
      this.#begin().map(() => {
        const lease = this.#leases.get(leaseId);
        return lease === undefined ? null : Math.floor((lease.expiresAt - this.#clock.now()) / 1000);
      }),
    );
  }

  watchLeases(options: WatchLeasesOptions): LeaseWatch {
    const watcher: Watcher = { next: this.#revision + 1, closed: this.#closed, queue: [], scheduled: false, onEvent: options.onEvent };
    if (!this.#closed) {
      this.#expire();
      const from = options.fromRevision;
      if (from === undefined || from <= this.#compacted) {
        watcher.queue.push({ kind: "snapshot", listing: this.#listing() });
      } else {
        for (const change of this.#history) if (change.revision >= from) this.#enqueue(watcher, change);
        watcher.next = Math.max(from, this.#revision + 1);
      }
      this.#watchers.add(watcher);
      this.#schedule(watcher);
    }
    return {
      close: () => {
        watcher.closed = true;
        this.#watchers.delete(watcher);
        return Promise.resolve();
      },
    };
  }

  close(): Promise<void> {
    this.#closed = true;
    for (const lease of this.#leases.values()) lease.timer.cancel();
    for (const watcher of this.#watchers) watcher.closed = true;
    this.#watchers.clear();
    return Promise.resolve();
  }

  #begin(): Result<void, RegistryError> {
    if (this.#closed) return err(registryError.closed());
    this.#expire();
    return ok(undefined);
  }

  #listing(): LeaseListing {
    const leases: LeaseRecord[] = [];
    const unreadable: LeaseListing["unreadable"][number][] = [];
    const keys = [...this.#kv.keys()].filter((k) => k.startsWith(this.#layout.subnetsPrefix)).sort(compareKeys);
    for (const key of keys) {
      const decoded = decodeLeaseEntry(this.#layout, stored(key, this.#kv.get(key) as Entry));
      if ("lease" in decoded) leases.push(decoded.lease);
      else unreadable.push(decoded.unreadable);
    }
    return { revision: this.#revision, leases, unreadable };
  }

  #write(key: string, subnet: SubnetKey, attrs: LeaseAttrs, ttlSeconds: number | null): WrittenLease {
    let leaseId: string | undefined;
    let granted: number | null = null;
    if (ttlSeconds !== null) {
      granted = Math.max(this.#minTtl, Math.ceil(ttlSeconds));
      leaseId = this.#grant(granted);
    }
    const value = formatLeaseAttrs(attrs);
    const entry = this.#put(key, value, leaseId);
    return {
      key,
      subnet,
      attrs,
      value,
      ...(leaseId === undefined ? {} : { leaseId }),
      createRevision: entry.createRevision,
      modRevision: entry.modRevision,
      ttlSeconds: granted,
    };
  }

  #grant(ttlSeconds: number): string {
    const id = (this.#nextLeaseId++).toString();
    const timer = this.#clock.setTimer(ttlSeconds * 1000, () => this.#expire());
    this.#leases.set(id, { ttlSeconds, expiresAt: this.#clock.now() + ttlSeconds * 1000, keys: new Set(), timer });
    return id;
  }

  #put(key: string, value: string, leaseId: string | undefined): Entry {
    const previous = this.#kv.get(key);
    if (previous?.leaseId !== undefined) this.#leases.get(previous.leaseId)?.keys.delete(key);
    const revision = ++this.#revision;
    const entry: Entry = { value, createRevision: previous?.createRevision ?? revision, modRevision: revision, leaseId };
    this.#kv.set(key, entry);
    if (leaseId !== undefined) this.#leases.get(leaseId)?.keys.add(key);
    this.#record([{ revision, key, entry }]);
    return entry;
  }

  // All keys go in one revision, as when etcd revokes a lease.
  #delete(keys: readonly string[]): void {
    const present = keys.filter((k) => this.#kv.has(k));
    if (present.length === 0) return;
    const revision = ++this.#revision;
    for (const key of present) {
      const leaseId = this.#kv.get(key)?.leaseId;
      if (leaseId !== undefined) this.#leases.get(leaseId)?.keys.delete(key);
      this.#kv.delete(key);
    }
    this.#record(present.map((key) => ({ revision, key, entry: undefined })));
  }

  #expire(): void {
    const now = this.#clock.now();
    for (const [id, lease] of [...this.#leases]) {
      if (lease.expiresAt > now) continue;
      this.#leases.delete(id);
      lease.timer.cancel();
      this.#delete([...lease.keys].sort(compareKeys));
    }
  }

  // The changes of one revision.
  #record(changes: readonly Change[]): void {
    const revision = (changes[0] as Change).revision;
    this.#history.push(...changes);
    if (this.#history.length > this.#historyLimit) {
      const drop = this.#history.length - this.#historyLimit;
      this.#compacted = Math.max(this.#compacted, (this.#history[drop - 1] as Change).revision);
      this.#history = this.#history.slice(drop);
    }
    for (const watcher of this.#watchers) {
      if (revision < watcher.next) continue;
      for (const change of changes) this.#enqueue(watcher, change);
      watcher.next = revision + 1;
      this.#schedule(watcher);
    }
  }

  #enqueue(watcher: Watcher, change: Change): void {
    const { key, revision, entry } = change;
    if (!key.startsWith(this.#layout.subnetsPrefix)) return;
    if (entry === undefined) {
      const subnet = this.#layout.parseLeaseKey(key);
      if (subnet.isOk()) watcher.queue.push({ kind: "delete", revision, key, subnet: subnet.value });
      return;
    }
    const decoded = decodeLeaseEntry(this.#layout, stored(key, entry));
    watcher.queue.push("lease" in decoded ? { kind: "put", revision, lease: decoded.lease } : { kind: "unreadable", revision, entry: decoded.unreadable });
  }

  #schedule(watcher: Watcher): void {
    if (watcher.scheduled) return;
    watcher.scheduled = true;
    queueMicrotask(() => {
      watcher.scheduled = false;
      while (!watcher.closed && watcher.queue.length > 0) watcher.onEvent(watcher.queue.shift() as LeaseWatchEvent);
    });
  }
}

function stored(key: string, entry: Entry): StoredEntry {
  return { key, value: entry.value, leaseId: entry.leaseId, createRevision: entry.createRevision, modRevision: entry.modRevision };
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
