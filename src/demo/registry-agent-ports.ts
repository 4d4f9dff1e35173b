/**
 * The agent's lease and peer ports over a {@link Registry}: a
 * {@link LeaseKeeper} backed by the {@link LeaseManager} and a
 * {@link PeerSource} backed by the peer watch, so that the demo runs the
 * real agent on the in-memory store (or on etcd).
 *
 * @module
 */
import { okAsync, ResultAsync } from "neverthrow";
import type { Registry } from "../etcd/registry.ts";
import type { HeldLease, LeaseKeeper, LeaseKeeperEvent, PeerEvent, PeerSource, PortError } from "../flannel/agent-ports.ts";
import type { Clock } from "../flannel/clock.ts";
import type { AcquiredLease } from "../flannel/lease-acquire.ts";
import { LeaseManager, type LeaseManagerEvent } from "../flannel/lease-manager.ts";
import type { PeerLeaseEvent } from "../flannel/lease-peer-set.ts";
import { watchPeerLeases } from "../flannel/lease-peer-watch.ts";
import type { Ip4 } from "../subnet/ip.ts";
import type { Random } from "../subnet/random.ts";

/** Options for {@link registryLeaseKeeper}. */
export interface RegistryLeaseKeeperOptions {
  /** Where the leases are. */
  readonly registry: Registry;
  /** Renewal timers. */
  readonly clock: Clock;
  /** Picks subnets and jitter. */
  readonly random: Random;
}

const held = (lease: AcquiredLease): HeldLease => ({ subnet: lease.lease.subnet.ipv4, publicIp: lease.lease.attrs.publicIp, expiresAt: lease.expiresAt });

/**
 * A {@link LeaseKeeper} over a registry: {@link LeaseManager} acquires,
 * renews and re-acquires; `stop({ release: true })` deletes the lease
 * (only the one this keeper created, by its create revision).
 *
 * @param options registry, clock, random source
 * @returns the keeper, for one agent
 * @example
 * ```ts
 * import { registryLeaseKeeper } from "./registry-agent-ports.ts";
 * import { MemoryRegistry } from "../etcd/memory-registry.ts";
 * import { systemClock } from "../flannel/clock.ts";
 * import { seededRandom } from "../subnet/random.ts";
 * const leases = registryLeaseKeeper({ registry: new MemoryRegistry(), clock: systemClock, random: seededRandom(1) });
 * ```
 */
export function registryLeaseKeeper(options: RegistryLeaseKeeperOptions): LeaseKeeper {
  let manager: LeaseManager | undefined;
  let last: AcquiredLease | undefined;
  const { registry, clock } = options;
  const toEvent = (request: { readonly onEvent: (event: LeaseKeeperEvent) => void }, event: LeaseManagerEvent): void => {
    const previous = last;
    switch (event.kind) {
      case "acquired":
        last = event.lease;
        return;
      case "renewed":
        last = event.lease;
        request.onEvent({ kind: "renewed", lease: held(event.lease) });
        return;
      case "renew-failed":
        if (previous !== undefined) request.onEvent({ kind: "renew-failed", lease: held(previous), message: event.error.message, retryInMs: event.retryAt - clock.now() });
        return;
      case "lost":
        if (previous !== undefined) request.onEvent({ kind: "lost", lease: held(previous), reason: event.reason === "deleted" ? "deleted from the store" : "replaced in the store" });
        return;
      case "reacquired":
        last = event.lease;
        if (previous !== undefined) request.onEvent({ kind: "reacquired", lease: held(event.lease), previous: held(previous) });
        return;
      case "reacquire-failed":
        request.onEvent({ kind: "reacquire-failed", message: event.error.message, retryInMs: event.retryAt - clock.now() });
        return;
    }
  };
  return {
    start: (request) => {
      if (manager !== undefined) throw new Error("registryLeaseKeeper: start() called twice");
      manager = new LeaseManager({
        registry,
        attrs: { publicIp: request.publicIp },
        ...(request.previousSubnet === undefined ? {} : { previousSubnet: { ipv4: request.previousSubnet } }),
        clock,
        random: options.random,
        onEvent: (event) => toEvent(request, event),
      });
      return manager
        .start()
        .map(held)
        .mapErr((e): PortError => ({ kind: e.kind, message: e.message }));
    },
    stop: ({ release }) => {
      const stopping = manager === undefined ? Promise.resolve() : manager.stop();
      return ResultAsync.fromSafePromise(stopping).andThen(() => {
        const lease = manager?.lease ?? last;
        if (!release || lease === undefined) return okAsync(undefined);
        return registry
          .deleteLease(lease.lease.subnet, { ifCreateRevision: lease.lease.createRevision })
          .map(() => undefined)
          .mapErr((e): PortError => ({ kind: e.kind, message: e.message }));
      });
    },
  };
}

/**
 * A {@link PeerSource} over a registry: every lease but this host's (by
 * PublicIP), an `added` for each at the start, then changes.
 *
 * @param registry where the leases are
 * @param publicIp this host's PublicIP, left out
 * @returns the source
 * @example
 * ```ts
 * import { registryPeerSource } from "./registry-agent-ports.ts";
 * import { MemoryRegistry } from "../etcd/memory-registry.ts";
 * import { parseIp4 } from "../subnet/ip.ts";
 * const peers = registryPeerSource(new MemoryRegistry(), parseIp4("127.0.0.1")._unsafeUnwrap());
 * const watch = peers.watch((event) => console.log(event.kind), () => {});
 * await watch.close();
 * ```
 */
export function registryPeerSource(registry: Registry, publicIp: Ip4): PeerSource {
  return {
    watch: (onEvent, onError) => {
      const watch = watchPeerLeases({
        registry,
        own: { publicIp },
        onEvent: (event: PeerLeaseEvent) => {
          for (const e of toPeerEvents(event)) onEvent(e);
        },
        onError: (e) => onError({ kind: e.kind, message: e.message }),
      });
      return { close: () => watch.close() };
    },
  };
}

function toPeerEvents(event: PeerLeaseEvent): PeerEvent[] {
  switch (event.kind) {
    case "snapshot":
      return event.peers.map((l) => ({ kind: "added", subnet: l.subnet.ipv4, publicIp: l.attrs.publicIp }));
    case "added":
    case "updated":
      return [{ kind: event.kind, subnet: event.lease.subnet.ipv4, publicIp: event.lease.attrs.publicIp }];
    case "removed":
      return [{ kind: "removed", subnet: event.lease.subnet.ipv4 }];
  }
}
