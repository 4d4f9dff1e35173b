import { err, ok, type Result, ResultAsync } from "neverthrow";
import { type Clock, sleep, systemClock } from "../core/clock.ts";
import { DEFAULT_ACQUIRE_ATTEMPTS, DEFAULT_LEASE_TTL_SECONDS } from "../core/defaults.ts";
import type { LeaseAttrs } from "../etcd/lease-attrs.ts";
import type { LeaseListing, LeaseRecord, Registry, RegistryError, WrittenLease } from "../etcd/registry.ts";
import { createSubnetAllocator, type SubnetAllocator, type TakenSubnet } from "../subnet/allocate-subnet.ts";
import { ipEquals } from "../subnet/ip.ts";
import { type NetworkConfig, type NetworkConfigError, parseNetworkConfig } from "../subnet/network-config.ts";
import { cryptoRandom, type Random } from "../subnet/random.ts";
import { describeSubnetKey, type SubnetKey } from "../subnet/subnet-key.ts";
import type { OutOfSubnetsError } from "../subnet/subnet-pool.ts";

/** Backoff between two tries, "full jitter": a random wait up to `min(maxMs, initialMs * 2^try)`. */
export interface AcquireBackoff {
  /** Upper bound of the first wait. Default 100 ms. */
  readonly initialMs?: number;
  /** Cap of the upper bound. Default 5,000 ms. */
  readonly maxMs?: number;
}

/** Options for {@link acquireLease}. */
export interface AcquireLeaseOptions {
  /** Where the config and the leases are. */
  readonly registry: Registry;
  /** This host's lease value (`PublicIP` identifies the host). */
  readonly attrs: LeaseAttrs;
  /** The subnet this host had before (FLANNEL_SUBNET of its subnet.env), tried first when free. Default: none. */
  readonly previousSubnet?: SubnetKey;
  /** TTL of a new or renewed lease. Default {@link DEFAULT_LEASE_TTL_SECONDS}. */
  readonly ttlSeconds?: number;
  /**
   * Tries in all: a try ends when another host created the chosen subnet
   * first, or when the store was unavailable. Default {@link DEFAULT_ACQUIRE_ATTEMPTS}.
   */
  readonly maxAttempts?: number;
  /** Waits between tries. Default 100 ms doubling up to 5 s, jittered. */
  readonly backoff?: AcquireBackoff;
  /** Time source for the waits. Default the system clock. */
  readonly clock?: Clock;
  /** Random source for the subnet pick and the jitter. Default Web Crypto. */
  readonly random?: Random;
  /** Ends the waits early; the call then fails with `aborted`. */
  readonly signal?: AbortSignal;
}

/** Where an acquired lease came from. */
export type LeaseSource =
  /** This host's lease, found by its PublicIP, renewed. */
  | "existing"
  /** A reservation (a lease key without TTL) for this host's PublicIP, left without TTL. */
  | "reservation"
  /** The subnet of this host's subnet.env, free again and created anew. */
  | "previous"
  /** A subnet picked at random among the free ones. */
  | "new";

/** A lease held by this host. */
export interface AcquiredLease {
  readonly lease: WrittenLease;
  /** The network config it was acquired under. */
  readonly config: NetworkConfig;
  readonly source: LeaseSource;
  /** When it expires without renewal, in clock milliseconds; `null` for a reservation. */
  readonly expiresAt: number | null;
  /** Tries it took (1 when nothing was in the way). */
  readonly attempts: number;
}

/** Why no lease could be acquired. */
export type AcquireLeaseError =
  | RegistryError
  | OutOfSubnetsError
  | { readonly kind: "invalid-config"; readonly problems: readonly NetworkConfigError[]; readonly message: string }
  | { readonly kind: "ipv6-only-network"; readonly message: string }
  | { readonly kind: "reservation-outside-network"; readonly key: string; readonly message: string }
  | { readonly kind: "gave-up"; readonly attempts: number; readonly lastError: RegistryError; readonly message: string }
  | { readonly kind: "aborted"; readonly message: string };

/**
 * True when a lease's subnet is one the config hands out: the IPv4 subnet of
 * SubnetLen within [SubnetMin, SubnetMax] and, exactly when the config is
 * dual-stack, an IPv6 subnet likewise (flanneld's isSubnetConfigCompat).
 *
 * @param config the network config
 * @param subnet a lease's subnet key
 * @returns whether the lease still fits
 */
export function subnetFitsConfig(config: NetworkConfig, subnet: SubnetKey): boolean {
  const v4 = config.ipv4;
  if (v4 === undefined) return false;
  const a = subnet.ipv4;
  if (a.prefix !== v4.subnetLen || a.address < v4.subnetMin.value || a.address > v4.subnetMax.value) return false;
  const v6 = config.ipv6;
  const b = subnet.ipv6;
  if (v6 === undefined || b === undefined) return v6 === undefined && b === undefined;
  return b.prefix === v6.subnetLen && b.address >= v6.subnetMin.value && b.address <= v6.subnetMax.value;
}

/** Every subnet a listing marks as taken, unreadable entries included. */
export function takenSubnets(listing: LeaseListing): TakenSubnet[] {
  return [...listing.leases.map((l) => l.subnet), ...listing.unreadable.flatMap((u) => (u.subnet === undefined ? [] : [u.subnet]))];
}

type Step = { readonly done: AcquiredLease } | { readonly retry: RegistryError };

/**
 * Acquires a lease for this host with flanneld's policy, made race-free:
 *
 * 1. the lease that already carries this host's PublicIP, if it still fits
 *    the config: renewed (a reservation stays without TTL);
 *    a TTL lease that no longer fits is deleted, as flanneld does;
 * 2. else the previous subnet (from subnet.env) if it is free and fits;
 * 3. else a subnet picked at random among the free ones.
 *
 * The lease is created only if its key is absent. When another host was
 * first, or the store did not answer, it lists again and tries a fresh pick
 * after a jittered backoff, at most `maxAttempts` times (flanneld's etcd v3
 * path gives up on the first lost race).
 *
 * @param options registry, host attributes, previous subnet, TTL, retries, clock, random
 * @returns the lease and where it came from, or why there is none (`out-of-subnets` among others)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryRegistry } from "flannel-ts/etcd";
 * import { acquireLease } from "flannel-ts/flannel";
 * import { parseIp4 } from "flannel-ts/subnet";
 *
 * const registry = new MemoryRegistry();
 * await registry.putConfig('{"Network":"10.5.0.0/16"}');
 * const acquired = await acquireLease({ registry, attrs: { publicIp: parseIp4("192.0.2.1")._unsafeUnwrap() } });
 * if (acquired.isErr()) throw new Error(acquired.error.message);
 * assert.equal(acquired.value.source, "new");
 * assert.match(acquired.value.lease.key, /^\/coreos\.com\/network\/subnets\/10\.5\.\d+\.0-24$/);
 * ```
 */
export function acquireLease(options: AcquireLeaseOptions): ResultAsync<AcquiredLease, AcquireLeaseError> {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? cryptoRandom();
  const maxAttempts = options.maxAttempts ?? DEFAULT_ACQUIRE_ATTEMPTS;
  const initialMs = options.backoff?.initialMs ?? 100;
  const maxMs = options.backoff?.maxMs ?? 5_000;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new RangeError(`acquireLease: maxAttempts ${maxAttempts} is not a positive integer`);

  const run = async (): Promise<Result<AcquiredLease, AcquireLeaseError>> => {
    const config = await readNetworkConfig(options.registry);
    if (config.isErr()) return err(config.error);
    let lastError: RegistryError | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        const bound = Math.min(maxMs, initialMs * 2 ** (attempt - 2));
        const waited = await sleep(clock, bound <= 0 ? 0 : random.int(Math.floor(bound) + 1), options.signal);
        if (!waited) return err({ kind: "aborted", message: "acquiring a lease was aborted" });
      }
      const step = await tryOnce(options, config.value, clock, random, attempt);
      if (step.isErr()) return err(step.error);
      if ("done" in step.value) return ok(step.value.done);
      lastError = step.value.retry;
    }
    const last = lastError as RegistryError;
    return err({
      kind: "gave-up",
      attempts: maxAttempts,
      lastError: last,
      message: `no lease after ${maxAttempts} tries; the last failure: ${last.message}`,
    });
  };
  return new ResultAsync(run());
}

/**
 * Reads and checks the network config at `<prefix>/config`.
 *
 * @param registry the store
 * @returns the config, or `config-not-found` / `invalid-config` / a store error
 */
export function readNetworkConfig(registry: Registry): ResultAsync<NetworkConfig, AcquireLeaseError> {
  return registry.getConfig().andThen((text): Result<NetworkConfig, AcquireLeaseError> => {
    const parsed = parseNetworkConfig(text);
    if (parsed.isErr()) {
      return err({
        kind: "invalid-config",
        problems: parsed.error,
        message: `the network config at ${registry.prefix}/config is invalid: ${parsed.error.map((p) => p.message).join("; ")}`,
      });
    }
    if (parsed.value.ipv4 === undefined) {
      return err({
        kind: "ipv6-only-network",
        message: "the network config disables IPv4: lease keys in etcd always start with the IPv4 subnet, so flannel's etcd mode needs IPv4",
      });
    }
    return ok(parsed.value);
  });
}

const retryable = (e: RegistryError): boolean => e.kind === "lease-exists" || e.kind === "lease-changed" || e.kind === "unavailable";

async function tryOnce(options: AcquireLeaseOptions, config: NetworkConfig, clock: Clock, random: Random, attempt: number): Promise<Result<Step, AcquireLeaseError>> {
  const { registry, attrs } = options;
  const ttl = options.ttlSeconds ?? DEFAULT_LEASE_TTL_SECONDS;
  const listed = await registry.listLeases();
  if (listed.isErr()) return retryable(listed.error) ? ok({ retry: listed.error }) : err(listed.error);
  const listing = listed.value;
  const done = (lease: WrittenLease, source: LeaseSource): Result<Step, AcquireLeaseError> =>
    ok({ done: { lease, config, source, expiresAt: lease.ttlSeconds === null ? null : clock.now() + lease.ttlSeconds * 1000, attempts: attempt } });

  const own = listing.leases.find((l) => ipEquals(l.attrs.publicIp, attrs.publicIp));
  if (own !== undefined) {
    const reserved = own.leaseId === undefined;
    if (subnetFitsConfig(config, own.subnet)) {
      const written = await registry.updateLease(own.subnet, keepUnknownFields(attrs, own), {
        ttlSeconds: reserved ? null : ttl,
        ifCreateRevision: own.createRevision,
      });
      if (written.isErr()) return retryable(written.error) ? ok({ retry: written.error }) : err(written.error);
      return done(written.value, reserved ? "reservation" : "existing");
    }
    if (reserved) {
      return err({
        kind: "reservation-outside-network",
        key: own.key,
        message: `${own.key} reserves ${describeSubnetKey(own.subnet)} for ${own.value}, outside the network config's subnets: delete or fix the reservation`,
      });
    }
    const deleted = await registry.deleteLease(own.subnet, { ifCreateRevision: own.createRevision });
    if (deleted.isErr()) return retryable(deleted.error) ? ok({ retry: deleted.error }) : err(deleted.error);
  }

  const stillTaken: LeaseListing = own === undefined ? listing : { ...listing, leases: listing.leases.filter((l) => l.key !== own.key) };
  const allocator = createSubnetAllocator(config, takenSubnets(stillTaken));
  const previous = options.previousSubnet;
  let subnet: SubnetKey;
  let source: LeaseSource;
  if (previous !== undefined && subnetFitsConfig(config, previous) && isFree(allocator, previous)) {
    subnet = previous;
    source = "previous";
  } else {
    const picked = allocator.pick(random);
    if (picked.isErr()) return err(picked.error);
    const ipv4 = picked.value.ipv4;
    if (ipv4 === undefined) throw new Error("bug: a config with IPv4 picked no IPv4 subnet");
    subnet = picked.value.ipv6 === undefined ? { ipv4 } : { ipv4, ipv6: picked.value.ipv6 };
    source = "new";
  }
  const created = await registry.createLease(subnet, attrs, { ttlSeconds: ttl });
  if (created.isErr()) return retryable(created.error) ? ok({ retry: created.error }) : err(created.error);
  return done(created.value, source);
}

function isFree(allocator: SubnetAllocator, subnet: SubnetKey): boolean {
  if (allocator.ipv4?.isFree(subnet.ipv4) !== true) return false;
  if (subnet.ipv6 === undefined) return allocator.ipv6 === undefined;
  return allocator.ipv6?.isFree(subnet.ipv6) === true;
}

// Data a newer writer put in this host's lease survives the rewrite.
function keepUnknownFields(attrs: LeaseAttrs, own: LeaseRecord): LeaseAttrs {
  if (attrs.extraFields !== undefined || own.attrs.extraFields === undefined) return attrs;
  return { ...attrs, extraFields: own.attrs.extraFields };
}
