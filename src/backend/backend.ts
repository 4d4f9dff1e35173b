/**
 * The interface between the agent and a data path: what flannel's backends
 * (udp, vxlan, host-gw) do for a host. The agent opens the backend the
 * network config names, writes what the backend puts in the lease, attaches
 * it to the leased subnet, and hands it the other hosts' leases as they
 * change, in batches, and as a whole from time to time (reconcile).
 *
 * @module
 */
import type { ResultAsync } from "neverthrow";
import type { LeaseAttrs } from "../etcd/lease-attrs.ts";
import type { LeaseRecord } from "../etcd/registry.ts";
import type { Cidr4, Cidr6 } from "../subnet/cidr.ts";
import type { Ip4, Ip6 } from "../subnet/ip.ts";
import type { BackendConfig, NetworkConfig } from "../subnet/network-config.ts";

/** The backend kinds flannel-ts carries, as `Backend.Type` names them. */
export const SUPPORTED_BACKENDS: readonly ("udp" | "vxlan" | "host-gw")[] = Object.freeze(["udp", "vxlan", "host-gw"]);

/** A backend kind flannel-ts carries. */
export type BackendKind = (typeof SUPPORTED_BACKENDS)[number];

/** The host interface that carries the overlay, as flanneld chooses it (`--iface`, `--iface-regex`, `--public-ip`, `--public-ipv6`). */
export interface ExternalInterface {
  /** The interface's name, e.g. eth0. */
  readonly name: string;
  /** Its index, when known (VXLAN names it as the device's lower link). */
  readonly index?: number;
  /** Its MTU; the overlay's MTU is this minus the encapsulation's overhead. */
  readonly mtu: number;
  /** Its IPv4 address: the UDP socket binds to it, VXLAN sends from it. */
  readonly ifaceAddress: Ip4;
  /** The address other hosts send to (the lease's PublicIP): `--public-ip`, else ifaceAddress. */
  readonly publicIp: Ip4;
  /** Its IPv6 address, on dual-stack hosts. */
  readonly ifaceAddressV6?: Ip6;
  /** The lease's PublicIPv6: `--public-ipv6`, else ifaceAddressV6. */
  readonly publicIpv6?: Ip6;
}

/** What a backend is opened with. */
export interface BackendContext {
  /** The network config; `config.backend` is this backend's settings. */
  readonly config: NetworkConfig;
  /** The interface the overlay runs over. */
  readonly external: ExternalInterface;
  /**
   * This host's lease as the store holds it before the agent acquires one,
   * when there is one: VXLAN keeps the VtepMAC it names, so that peers'
   * neighbour entries stay right across a restart.
   */
  readonly previous?: LeaseAttrs;
}

/** The subnets a backend is attached to. */
export interface BackendLease {
  readonly subnet: Cidr4;
  /** On dual-stack networks. */
  readonly ipv6Subnet?: Cidr6;
}

/** A change in the other hosts' leases; this host's own never appears. */
export type PeerChange =
  | { readonly kind: "added"; readonly lease: LeaseRecord }
  /** The lease's value changed (PublicIP, backend data); renewals with the same value are not changes. */
  | { readonly kind: "updated"; readonly lease: LeaseRecord; readonly previous: LeaseRecord }
  | { readonly kind: "removed"; readonly lease: LeaseRecord };

/** A peer the backend could not program, and why (the agent logs it once and counts it). */
export interface SkippedPeer {
  readonly lease: LeaseRecord;
  readonly reason: string;
}

/** What a batch of changes or a reconcile did. */
export interface BackendReport {
  /** Peers whose entries were written (added or replaced). */
  readonly programmed: number;
  /** Peers whose entries were removed. */
  readonly removed: number;
  /** Entries found on the host for no current lease, removed by a reconcile. */
  readonly stale: number;
  /** Entries of current leases that were missing (deleted by hand) and were put back by a reconcile. */
  readonly restored: number;
  /** Peers left out. */
  readonly skipped: readonly SkippedPeer[];
}

/** An empty report, to build others from. */
export const EMPTY_BACKEND_REPORT: BackendReport = Object.freeze({ programmed: 0, removed: 0, stale: 0, restored: 0, skipped: Object.freeze([]) });

/** Why a backend could not do what it was asked. */
export interface BackendError {
  readonly kind: "backend";
  /** The backend, e.g. "vxlan". */
  readonly backend: string;
  /** What it was doing: open, attach, apply, reconcile. */
  readonly step: "open" | "attach" | "apply" | "reconcile";
  readonly message: string;
}

/**
 * A backend opened on a host: its devices exist (VXLAN's has its MAC), it
 * knows what goes into the lease and the MTU containers should use.
 */
export interface Backend {
  /** The kind, as the config names it. */
  readonly kind: BackendKind;
  /** How the log names it: "UDP engine", "VXLAN", "host-gw". */
  readonly name: string;
  /** What the lease carries for this backend: `BackendType`, `BackendData`, `BackendV6Data` (the UDP backend writes none, as flanneld's). */
  readonly leaseAttrs: Pick<LeaseAttrs, "backendType" | "backendData" | "backendV6Data">;
  /** subnet.env's FLANNEL_MTU and Docker's `mtu`. */
  readonly mtu: number;
  /** What opening made on the host, for the log (e.g. "flannel.1, VNI 1, VtepMAC ..."); absent when it made nothing. */
  readonly prepared?: string;
  /**
   * Puts the devices on the leased subnets (again, when the lease moved):
   * addresses, routes for the network, the engine for it.
   *
   * @returns one line for the log, e.g. "flannel.1 at 10.5.1.0/32, MTU 1450"
   */
  attach(lease: BackendLease): ResultAsync<string, BackendError>;
  /** Programs a batch of peer changes; a peer it cannot program is skipped and reported, not an error. */
  apply(changes: readonly PeerChange[]): ResultAsync<BackendReport, BackendError>;
  /** Makes the host's entries exactly those of `peers`: removes stale ones, puts back missing ones. */
  reconcile(peers: readonly LeaseRecord[]): ResultAsync<BackendReport, BackendError>;
  /**
   * Removes what the backend made on this host (devices, routes to peers).
   *
   * @returns one line for the log, e.g. "flannel0 removed"
   */
  close(): Promise<string>;
  /** Settles with a reason if the data path dies on its own (the agent then stops). Default: never. */
  readonly failed?: Promise<string>;
}

/** Opens a backend for a config and an interface. */
export type OpenBackend = (context: BackendContext) => ResultAsync<Backend, BackendError>;

/** The backends an agent can run, by kind; the config's `Backend.Type` picks one. */
export type BackendSet = Readonly<Partial<Record<BackendKind, OpenBackend>>>;

/**
 * The kind of backend a config asks for, when flannel-ts carries it.
 *
 * @param backend the config's Backend
 * @returns the kind, or undefined for the backends flannel-ts does not carry (ipip, wireguard, ...)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backendKindOf } from "flannel-ts/backend";
 * import { parseNetworkConfig } from "flannel-ts/subnet";
 *
 * const config = parseNetworkConfig('{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}');
 * assert.equal(config.isOk() && backendKindOf(config.value.backend), "vxlan");
 * ```
 */
export function backendKindOf(backend: BackendConfig): BackendKind | undefined {
  return backend.kind === "other" ? undefined : backend.kind;
}
