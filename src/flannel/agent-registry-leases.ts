/**
 * The agent's lease ports on a {@link Registry}: the {@link LeaseKeeper} is
 * a {@link LeaseManager} (acquire, renew, re-acquire after a loss) with
 * `release` and `lookup` added, and the {@link PeerSource} is the manager's
 * peer watch, which leaves this host's own lease out, passed through as it is.
 *
 * @module
 */
import { okAsync, ResultAsync } from "neverthrow";
import type { LeaseAttrs } from "../etcd/lease-attrs.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import type { Registry } from "../etcd/registry.ts";
import type { Random } from "../subnet/random.ts";
import { ipEquals } from "../subnet/ip.ts";
import type { HeldLease, LeaseKeeper, LeaseKeeperEvent, PeerSource, PeerWatch, PortError } from "./agent-ports.ts";
import type { AcquiredLease } from "./lease-acquire.ts";
import { LeaseManager, type LeaseManagerEvent } from "./lease-manager.ts";

/** Options of {@link registryLeases}. */
export interface RegistryLeasesOptions {
  /** Where the leases are. */
  readonly registry: Registry;
  /** Time for TTLs, renewals and retries. Default: the manager's (the system clock). */
  readonly clock?: Clock;
  /** Random source of the allocator. Default: the manager's (Web Crypto). */
  readonly random?: Random;
  /** Renew this long before the lease expires (flanneld's `--subnet-lease-renew-margin`). Default 3,600 s. */
  readonly renewMarginSeconds?: number;
  /** TTL of a new or renewed lease. Default 24 h (flanneld's). */
  readonly ttlSeconds?: number;
  /** Interval between retries of a failed renewal or re-acquisition. Default 60 s (flanneld's). */
  readonly retryIntervalSeconds?: number;
}

/** The lease manager and the peer watch of one registry, for {@link startAgent}. */
export interface RegistryLeases {
  readonly leases: LeaseKeeper;
  readonly peers: PeerSource;
}

const held = (lease: AcquiredLease): HeldLease => {
  const { ipv4, ipv6 } = lease.lease.subnet;
  return { subnet: ipv4, ...(ipv6 === undefined ? {} : { ipv6Subnet: ipv6 }), publicIp: lease.lease.attrs.publicIp, expiresAt: lease.expiresAt };
};

const reasonOf = (reason: "deleted" | "replaced"): string =>
  reason === "deleted" ? "its key is gone from the store (expired, or deleted by an operator)" : "its key was written again by another host";

/**
 * The agent's lease ports on a registry.
 *
 * @param options the registry and the manager's timing; see {@link RegistryLeasesOptions}
 * @returns a keeper whose `start` acquires through a new {@link LeaseManager}, and a peer source on that manager
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryRegistry } from "flannel-ts/etcd";
 * import { registryLeases } from "flannel-ts/flannel";
 * const { leases, peers } = registryLeases({ registry: new MemoryRegistry(), renewMarginSeconds: 600 });
 * assert.equal(typeof leases.lookup, "function"); // the ports startAgent drives
 * assert.equal(typeof peers.watch, "function");
 * ```
 */
export function registryLeases(options: RegistryLeasesOptions): RegistryLeases {
  let manager: LeaseManager | undefined;
  let current: HeldLease | undefined;
  const clockNow = (): number => (options.clock ?? systemClock).now();

  const leases: LeaseKeeper = {
    lookup(publicIp) {
      return options.registry
        .listLeases()
        .map((listing): LeaseAttrs | undefined => listing.leases.find((l) => ipEquals(l.attrs.publicIp, publicIp))?.attrs)
        .mapErr((e): PortError => ({ kind: e.kind, message: e.message }));
    },
    start(request) {
      if (manager !== undefined) throw new Error("registryLeases: start() called twice");
      const onEvent = (event: LeaseManagerEvent): void => {
        const mapped = mapEvent(event);
        if (mapped !== undefined) request.onEvent(mapped);
      };
      const mapEvent = (event: LeaseManagerEvent): LeaseKeeperEvent | undefined => {
        switch (event.kind) {
          case "acquired":
            current = held(event.lease);
            return undefined;
          case "renewed":
            current = held(event.lease);
            return { kind: "renewed", lease: current };
          case "renew-failed":
            return current === undefined ? undefined : { kind: "renew-failed", lease: current, message: event.error.message, retryInMs: Math.max(0, event.retryAt - clockNow()) };
          case "lost":
            return current === undefined ? undefined : { kind: "lost", lease: current, reason: reasonOf(event.reason) };
          case "reacquired": {
            const previous = current ?? held(event.lease);
            current = held(event.lease);
            return { kind: "reacquired", lease: current, previous };
          }
          case "reacquire-failed":
            return { kind: "reacquire-failed", message: event.error.message, retryInMs: Math.max(0, event.retryAt - clockNow()) };
        }
      };
      manager = new LeaseManager({
        registry: options.registry,
        attrs: request.attrs,
        ...(request.previousSubnet === undefined ? {} : { previousSubnet: request.previousSubnet }),
        ...(options.clock === undefined ? {} : { clock: options.clock }),
        ...(options.random === undefined ? {} : { random: options.random }),
        ...(options.renewMarginSeconds === undefined ? {} : { renewMarginSeconds: options.renewMarginSeconds }),
        ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
        ...(options.retryIntervalSeconds === undefined ? {} : { retryIntervalSeconds: options.retryIntervalSeconds }),
        onEvent,
      });
      return manager
        .start()
        .map(held)
        .mapErr((e): PortError => ({ kind: e.kind, message: e.message }));
    },
    stop({ release }) {
      const m = manager;
      if (m === undefined) return okAsync(undefined);
      return ResultAsync.fromSafePromise(m.stop()).andThen(() => {
        const lease = m.lease;
        if (!release || lease === undefined) return okAsync(undefined);
        return options.registry
          .deleteLease(lease.lease.subnet, { ifCreateRevision: lease.lease.createRevision })
          .map(() => undefined)
          .mapErr((e): PortError => ({ kind: e.kind, message: `cannot delete the lease ${lease.lease.key}: ${e.message}` }));
      });
    },
  };

  const peers: PeerSource = {
    watch(onEvent, onError): PeerWatch {
      if (manager === undefined) throw new Error("registryLeases: watch() before start()");
      const watch = manager.watchPeers(onEvent, (error) => onError({ kind: error.kind, message: error.message }));
      return { close: () => watch.close() };
    },
  };

  return { leases, peers };
}
