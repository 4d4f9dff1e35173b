import type { Registry, RegistryError } from "../etcd/registry.ts";
import { type OwnLease, type PeerLeaseEvent, PeerLeaseSet } from "./lease-peer-set.ts";

/** Options for {@link watchPeerLeases}. */
export interface WatchPeerLeasesOptions {
  /** The store to watch. */
  readonly registry: Registry;
  /** This host's lease key and PublicIP, left out; change them later with {@link PeerLeaseWatch.setOwn}. Default none. */
  readonly own?: OwnLease;
  /** Called with each change, a snapshot first. */
  readonly onEvent: (event: PeerLeaseEvent) => void;
  /** Called when the store cannot be reached; the watch keeps trying. Default: dropped. */
  readonly onError?: (error: RegistryError) => void;
}

/** A running peer watch. */
export interface PeerLeaseWatch {
  /** The other hosts' leases now. */
  readonly peers: PeerLeaseSet["peers"];
  /** Changes what is this host's own (reporting what that changes). */
  setOwn(own: OwnLease): void;
  /** Stops watching. */
  close(): Promise<void>;
}

/**
 * Watches the other hosts' leases: a snapshot, then added, updated and
 * removed events; the host's own leases never appear. Built on
 * {@link Registry.watchLeases} and the pure {@link PeerLeaseSet}.
 *
 * @param options registry, own key, callbacks
 * @returns the watch
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryRegistry } from "flannel-ts/etcd";
 * import { watchPeerLeases, type PeerLeaseWatch } from "flannel-ts/flannel";
 *
 * let watch: PeerLeaseWatch | undefined;
 * const first = await new Promise<string>((resolve) => {
 *   watch = watchPeerLeases({
 *     registry: new MemoryRegistry(),
 *     own: { key: "/coreos.com/network/subnets/10.5.1.0-24" },
 *     onEvent: (e) => resolve(e.kind),
 *   });
 * });
 * assert.equal(first, "snapshot"); // the peers there are now (none), then changes as they come
 * await watch?.close();
 * ```
 */
export function watchPeerLeases(options: WatchPeerLeasesOptions): PeerLeaseWatch {
  const set = new PeerLeaseSet(options.own);
  const emit = (events: readonly PeerLeaseEvent[]): void => {
    for (const e of events) options.onEvent(e);
  };
  const watch = options.registry.watchLeases({
    onEvent: (e) => emit(set.apply(e)),
    ...(options.onError === undefined ? {} : { onError: options.onError }),
  });
  return {
    get peers() {
      return set.peers;
    },
    setOwn: (own) => emit(set.setOwn(own)),
    close: () => watch.close(),
  };
}
