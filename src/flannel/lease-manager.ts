import type { Result, ResultAsync } from "neverthrow";
import { type Clock, systemClock, type Timer } from "../core/clock.ts";
import { DEFAULT_LEASE_TTL_SECONDS, DEFAULT_RENEW_MARGIN_MINUTES, DEFAULT_RENEW_RETRY_SECONDS } from "../core/defaults.ts";
import type { LeaseAttrs } from "../etcd/lease-attrs.ts";
import type { LeaseRecord, LeaseWatch, LeaseWatchEvent, Registry, RegistryError, UnreadableLease } from "../etcd/registry.ts";
import { cryptoRandom, type Random } from "../subnet/random.ts";
import type { SubnetKey } from "../subnet/subnet-key.ts";
import { type AcquireBackoff, type AcquiredLease, acquireLease, type AcquireLeaseError } from "./lease-acquire.ts";
import { type OwnLease, type PeerLeaseEvent, PeerLeaseSet } from "./lease-peer-set.ts";
import type { PeerLeaseWatch } from "./lease-peer-watch.ts";

/** Options for {@link LeaseManager}. */
export interface LeaseManagerOptions {
  /** Where the config and the leases are. */
  readonly registry: Registry;
  /** This host's lease value (`PublicIP` identifies the host). */
  readonly attrs: LeaseAttrs;
  /** The subnet of this host's subnet.env, tried first. Default: none. */
  readonly previousSubnet?: SubnetKey;
  /** Lease TTL. Default {@link DEFAULT_LEASE_TTL_SECONDS} (24 h). */
  readonly ttlSeconds?: number;
  /** Renew this long before expiry; less than the TTL. Default {@link (DEFAULT_RENEW_MARGIN_MINUTES * 60)} (60 min). */
  readonly renewMarginSeconds?: number;
  /** Wait after a failed renewal or re-acquisition. Default {@link DEFAULT_RENEW_RETRY_SECONDS} (1 min). */
  readonly retryIntervalSeconds?: number;
  /** Tries per acquisition (see {@link acquireLease}). Default 10. */
  readonly maxAttempts?: number;
  /** Backoff between those tries. Default 100 ms doubling to 5 s, jittered. */
  readonly backoff?: AcquireBackoff;
  /** Time source for renewals and waits. Default the system clock. */
  readonly clock?: Clock;
  /** Random source for picks and jitter. Default Web Crypto. */
  readonly random?: Random;
  /** Called with what happens to the lease. Default: nothing. */
  readonly onEvent?: (event: LeaseManagerEvent) => void;
}

/** What happened to this host's lease. */
export type LeaseManagerEvent =
  /** The first lease. */
  | { readonly kind: "acquired"; readonly lease: AcquiredLease }
  /** The lease was written again with a fresh TTL. */
  | { readonly kind: "renewed"; readonly lease: AcquiredLease }
  /** A renewal failed; it is tried again at `retryAt` (clock milliseconds). */
  | { readonly kind: "renew-failed"; readonly error: RegistryError; readonly retryAt: number }
  /** The lease disappeared: its TTL ran out, or someone deleted (or replaced) it. */
  | { readonly kind: "lost"; readonly key: string; readonly reason: "deleted" | "replaced" }
  /** A lease again after a loss, the same subnet when it was still free. */
  | { readonly kind: "reacquired"; readonly lease: AcquiredLease; readonly previousKey: string; readonly sameSubnet: boolean }
  /** Acquiring again after a loss failed; it is tried again at `retryAt`. */
  | { readonly kind: "reacquire-failed"; readonly error: AcquireLeaseError; readonly retryAt: number };

/**
 * Holds this host's lease: acquires it ({@link acquireLease}), renews it
 * `renewMarginSeconds` before it expires (every `retryIntervalSeconds` after a
 * failure), and when it is gone (expired, deleted by an operator) acquires
 * again, the same subnet while it is free, and says so with an event.
 * flanneld exits in that case instead. Reservations are not renewed: they
 * have no TTL. One watch of the store serves both the manager and every
 * {@link LeaseManager.watchPeers}: each host is one watcher in etcd, and
 * every lease change is received and decoded once per host.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryRegistry } from "flannel-ts/etcd";
 * import { LeaseManager } from "flannel-ts/flannel";
 * import { parseIp4 } from "flannel-ts/subnet";
 *
 * const registry = new MemoryRegistry();
 * await registry.putConfig('{"Network":"10.5.0.0/16"}');
 * const events: string[] = [];
 * const manager = new LeaseManager({
 *   registry,
 *   attrs: { publicIp: parseIp4("192.0.2.1")._unsafeUnwrap() },
 *   onEvent: (e) => events.push(e.kind),
 * });
 * const lease = await manager.start();
 * assert.match(lease.isOk() ? lease.value.lease.key : lease.error.message, /^\/coreos\.com\/network\/subnets\/10\.5\.\d+\.0-24$/);
 * await manager.stop();
 * ```
 */
export class LeaseManager {
  readonly #o: LeaseManagerOptions;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #ttl: number;
  readonly #margin: number;
  readonly #retry: number;
  readonly #abort = new AbortController();
  readonly #peerWatches = new Set<PeerWatchEntry>();
  #current: AcquiredLease | undefined;
  #timer: Timer | undefined;
  #watch: LeaseWatch | undefined;
  // Every entry under the subnets prefix as the watch last reported it
  // (after its first snapshot), so that a peer watch opened later starts from it.
  #leases: Map<string, LeaseRecord> | undefined;
  #unreadable = new Map<string, UnreadableLease>();
  #revision = 0;
  #queue: Promise<void> = Promise.resolve();
  #stopped = false;

  /**
   * @param options registry, host attributes, TTL and margins, clock, random, event callback
   * @throws RangeError when the margin is not between 0 and the TTL
   */
  constructor(options: LeaseManagerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? cryptoRandom();
    this.#ttl = options.ttlSeconds ?? DEFAULT_LEASE_TTL_SECONDS;
    this.#margin = options.renewMarginSeconds ?? (DEFAULT_RENEW_MARGIN_MINUTES * 60);
    this.#retry = options.retryIntervalSeconds ?? DEFAULT_RENEW_RETRY_SECONDS;
    if (!(this.#ttl > 0)) throw new RangeError(`LeaseManager: ttlSeconds ${this.#ttl} is not positive`);
    if (!(this.#margin > 0 && this.#margin < this.#ttl)) {
      throw new RangeError(`LeaseManager: renewMarginSeconds ${this.#margin} must be above 0 and below ttlSeconds ${this.#ttl}`);
    }
    if (!(this.#retry > 0)) throw new RangeError(`LeaseManager: retryIntervalSeconds ${this.#retry} is not positive`);
  }

  /** The lease held now; undefined before {@link LeaseManager.start} succeeds and while re-acquiring. */
  get lease(): AcquiredLease | undefined {
    return this.#current;
  }

  /**
   * Acquires the lease and starts keeping it.
   *
   * @returns the lease, or why none could be acquired (the manager then does nothing more)
   */
  start(): ResultAsync<AcquiredLease, AcquireLeaseError> {
    if (this.#current !== undefined || this.#stopped) throw new Error("LeaseManager.start: already started or stopped");
    return this.#acquire(this.#o.previousSubnet).map((lease) => {
      this.#hold(lease);
      this.#emit({ kind: "acquired", lease });
      return lease;
    });
  }

  /**
   * Watches the other hosts' leases, this host's own left out (by key and by
   * PublicIP, also after it acquired another subnet), on the manager's own
   * watch of the store. Closed by {@link LeaseManager.stop}.
   *
   * @param onEvent called with a snapshot, then each change
   * @param onError called when the store cannot be reached; default dropped
   * @returns the watch
   */
  watchPeers(onEvent: (event: PeerLeaseEvent) => void, onError?: (error: RegistryError) => void): PeerLeaseWatch {
    const entry: PeerWatchEntry = { set: new PeerLeaseSet(this.#own()), onEvent, ...(onError === undefined ? {} : { onError }) };
    this.#peerWatches.add(entry);
    if (this.#leases !== undefined) {
      const listing = { revision: this.#revision, leases: [...this.#leases.values()], unreadable: [...this.#unreadable.values()] };
      emitAll(entry, entry.set.apply({ kind: "snapshot", listing }));
    }
    this.#ensureWatch();
    return {
      get peers() {
        return entry.set.peers;
      },
      setOwn: (own) => emitAll(entry, entry.set.setOwn(own)),
      close: () => {
        this.#peerWatches.delete(entry);
        return Promise.resolve();
      },
    };
  }

  /** Stops renewing and watching. The lease stays in the store until its TTL runs out, as flanneld leaves it. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    this.#timer?.cancel();
    this.#peerWatches.clear();
    await this.#watch?.close();
    await this.#queue;
  }

  #own(): OwnLease {
    return { ...(this.#current === undefined ? {} : { key: this.#current.lease.key }), publicIp: this.#o.attrs.publicIp };
  }

  #acquire(previousSubnet: SubnetKey | undefined): ResultAsync<AcquiredLease, AcquireLeaseError> {
    const o = this.#o;
    return acquireLease({
      registry: o.registry,
      attrs: o.attrs,
      ...(previousSubnet === undefined ? {} : { previousSubnet }),
      ttlSeconds: this.#ttl,
      ...(o.maxAttempts === undefined ? {} : { maxAttempts: o.maxAttempts }),
      ...(o.backoff === undefined ? {} : { backoff: o.backoff }),
      clock: this.#clock,
      random: this.#random,
      signal: this.#abort.signal,
    });
  }

  // Takes a lease as the current one: watch the store (a snapshot read after
  // the lease's write, then every change), and schedule its renewal.
  #hold(lease: AcquiredLease): void {
    this.#current = lease;
    for (const w of this.#peerWatches) emitAll(w, w.set.setOwn(this.#own()));
    this.#ensureWatch();
    this.#schedule(lease.expiresAt === null ? undefined : lease.expiresAt - this.#margin * 1000);
  }

  // The one watch of the store: the peer sets see each event as it comes;
  // what it means for this host's lease is decided in turn with renewals.
  #ensureWatch(): void {
    if (this.#watch !== undefined || this.#stopped) return;
    this.#watch = this.#o.registry.watchLeases({
      onEvent: (e) => {
        this.#remember(e);
        for (const w of this.#peerWatches) emitAll(w, w.set.apply(e));
        this.#serial(() => this.#onWatch(e));
      },
      onError: (e) => {
        for (const w of this.#peerWatches) w.onError?.(e);
      },
    });
  }

  #remember(e: LeaseWatchEvent): void {
    if (e.kind === "snapshot") {
      this.#leases = new Map(e.listing.leases.map((l) => [l.key, l]));
      this.#unreadable = new Map(e.listing.unreadable.map((u) => [u.key, u]));
      this.#revision = e.listing.revision;
      return;
    }
    if (this.#leases === undefined) return;
    this.#revision = e.revision;
    const key = e.kind === "put" ? e.lease.key : e.kind === "delete" ? e.key : e.entry.key;
    this.#leases.delete(key);
    this.#unreadable.delete(key);
    if (e.kind === "put") this.#leases.set(key, e.lease);
    if (e.kind === "unreadable") this.#unreadable.set(key, e.entry);
  }

  #schedule(at: number | undefined): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    if (at === undefined || this.#stopped) return;
    this.#timer = this.#clock.setTimer(at - this.#clock.now(), () => this.#serial(() => this.#renew()));
  }

  // Renewals, losses and re-acquisitions run one at a time, in order.
  #serial(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(() => (this.#stopped ? undefined : task()));
  }

  async #renew(): Promise<void> {
    const current = this.#current;
    if (current === undefined) return;
    const written = await this.#o.registry.updateLease(current.lease.subnet, withUnknownFields(this.#o.attrs, current), {
      ttlSeconds: this.#ttl,
      ifCreateRevision: current.lease.createRevision,
    });
    if (this.#stopped || this.#current !== current) return;
    if (written.isOk()) {
      const lease: AcquiredLease = { ...current, lease: written.value, expiresAt: written.value.ttlSeconds === null ? null : this.#clock.now() + written.value.ttlSeconds * 1000 };
      this.#current = lease;
      this.#schedule(lease.expiresAt === null ? undefined : lease.expiresAt - this.#margin * 1000);
      this.#emit({ kind: "renewed", lease });
      return;
    }
    if (written.error.kind === "lease-changed") {
      await this.#lost(current, "deleted");
      return;
    }
    const retryAt = this.#clock.now() + this.#retry * 1000;
    this.#schedule(retryAt);
    this.#emit({ kind: "renew-failed", error: written.error, retryAt });
  }

  async #onWatch(event: LeaseWatchEvent): Promise<void> {
    const current = this.#current;
    if (current === undefined) return;
    const { key, createRevision } = current.lease;
    const gone = ((): "deleted" | "replaced" | undefined => {
      switch (event.kind) {
        case "delete":
          return event.key === key && event.revision > createRevision ? "deleted" : undefined;
        case "put":
          return event.lease.key === key && event.lease.createRevision !== createRevision && event.revision > createRevision ? "replaced" : undefined;
        case "unreadable":
          return event.entry.key === key && event.revision > createRevision ? "replaced" : undefined;
        case "snapshot": {
          const mine = event.listing.leases.find((l) => l.key === key);
          if (mine === undefined) return event.listing.revision > createRevision ? "deleted" : undefined;
          return mine.createRevision === createRevision ? undefined : "replaced";
        }
      }
    })();
    if (gone !== undefined) await this.#lost(current, gone);
  }

  async #lost(lost: AcquiredLease, reason: "deleted" | "replaced"): Promise<void> {
    this.#current = undefined;
    this.#timer?.cancel();
    this.#emit({ kind: "lost", key: lost.lease.key, reason });
    await this.#reacquire(lost);
  }

  async #reacquire(lost: AcquiredLease): Promise<void> {
    const result: Result<AcquiredLease, AcquireLeaseError> = await this.#acquire(lost.lease.subnet);
    if (this.#stopped) return;
    if (result.isOk()) {
      this.#hold(result.value);
      this.#emit({ kind: "reacquired", lease: result.value, previousKey: lost.lease.key, sameSubnet: result.value.lease.key === lost.lease.key });
      return;
    }
    const retryAt = this.#clock.now() + this.#retry * 1000;
    this.#timer = this.#clock.setTimer(this.#retry * 1000, () => this.#serial(() => this.#reacquire(lost)));
    this.#emit({ kind: "reacquire-failed", error: result.error, retryAt });
  }

  #emit(event: LeaseManagerEvent): void {
    this.#o.onEvent?.(event);
  }
}

interface PeerWatchEntry {
  readonly set: PeerLeaseSet;
  readonly onEvent: (event: PeerLeaseEvent) => void;
  readonly onError?: (error: RegistryError) => void;
}

function emitAll(entry: PeerWatchEntry, events: readonly PeerLeaseEvent[]): void {
  for (const e of events) entry.onEvent(e);
}

function withUnknownFields(attrs: LeaseAttrs, current: AcquiredLease): LeaseAttrs {
  const extra = current.lease.attrs.extraFields;
  return attrs.extraFields !== undefined || extra === undefined ? attrs : { ...attrs, extraFields: extra };
}
