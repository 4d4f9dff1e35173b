/**
 * What the agent is built from: small interfaces (ports) for the lease
 * manager, the peers' leases, subnet.env, the firewall and the Docker step
 * (the data path is a `Backend` of `flannel-ts/backend`). The agent's
 * orchestration ({@link startAgent}) uses only these, so it runs in unit
 * tests on an in-memory registry, a manual clock and fakes; `flannel-ts/node` fills them with etcd, the kernel's devices,
 * iptables and dockerd.
 *
 * @module
 */
import type { ResultAsync } from "neverthrow";
import type { LeaseAttrs } from "../etcd/lease-attrs.ts";
import type { Cidr4, Cidr6 } from "../subnet/cidr.ts";
import type { Ip4 } from "../subnet/ip.ts";
import type { NetworkConfig } from "../subnet/network-config.ts";
import type { SubnetKey } from "../subnet/subnet-key.ts";
import type { IptablesRule } from "./iptables-rules.ts";
import type { PeerLeaseEvent } from "./lease-peer-set.ts";
import type { SubnetEnv } from "./subnet-env.ts";

/** A failure reported by a port; the agent logs the message. */
export interface PortError {
  readonly kind: string;
  readonly message: string;
}

/** Where the network config is read from; a `Registry` is one. */
export interface ConfigSource {
  /** The config's JSON text, or why it cannot be read (the agent retries every second). */
  getConfig(): ResultAsync<string, PortError>;
}

/** The lease this host holds. */
export interface HeldLease {
  /** The leased subnet, e.g. 172.20.5.0/24. */
  readonly subnet: Cidr4;
  /** The leased IPv6 subnet, on dual-stack networks. */
  readonly ipv6Subnet?: Cidr6;
  /** The PublicIP written in the lease. */
  readonly publicIp: Ip4;
  /** When it expires unless renewed (ms since the epoch); `null` for a reservation, which never expires. */
  readonly expiresAt: number | null;
}

/** What happened to the held lease after it was acquired. */
export type LeaseKeeperEvent =
  /** Renewed; the new expiry is in the lease. */
  | { readonly kind: "renewed"; readonly lease: HeldLease }
  /** A renewal failed; it is tried again after `retryInMs`. */
  | { readonly kind: "renew-failed"; readonly lease: HeldLease; readonly message: string; readonly retryInMs: number }
  /** The lease is gone from the store (expired, or deleted by an operator); re-acquisition starts. */
  | { readonly kind: "lost"; readonly lease: HeldLease; readonly reason: string }
  /** A lease is held again after a loss: the same subnet while it was free, else a new one. */
  | { readonly kind: "reacquired"; readonly lease: HeldLease; readonly previous: HeldLease }
  /** Re-acquisition failed; it is tried again after `retryInMs`. */
  | { readonly kind: "reacquire-failed"; readonly message: string; readonly retryInMs: number };

/** What the agent asks of the lease manager. */
export interface LeaseRequest {
  /** The parsed network config. */
  readonly config: NetworkConfig;
  /** What the lease says: PublicIP (which finds this host's existing lease), PublicIPv6, the backend's data. */
  readonly attrs: LeaseAttrs;
  /** The subnet from the previous subnet.env, asked for again when free. */
  readonly previousSubnet?: SubnetKey;
  /** Receives every event after the first acquisition. */
  readonly onEvent: (event: LeaseKeeperEvent) => void;
}

/**
 * The lease manager as the agent uses it: acquire (this PublicIP's lease,
 * else the previous subnet, else a new one), then keep the lease: renew it
 * before it expires and acquire again when it is lost.
 */
export interface LeaseKeeper {
  /**
   * This host's lease as the store holds it now, found by its PublicIP,
   * before anything is acquired (VXLAN keeps the VtepMAC it names).
   *
   * @param publicIp this host's PublicIP
   * @returns the lease's attributes, or undefined when the host has none
   */
  lookup(publicIp: Ip4): ResultAsync<LeaseAttrs | undefined, PortError>;
  /**
   * Acquires a lease and starts keeping it.
   *
   * @param request the config, PublicIP, previous subnet and event handler
   * @returns the lease, or why none could be had (out of subnets, store down)
   */
  start(request: LeaseRequest): ResultAsync<HeldLease, PortError>;
  /**
   * Stops renewing. With `release`, the lease is deleted from the store;
   * without, it stays until its TTL runs out, as flanneld leaves it.
   */
  stop(options: { readonly release: boolean }): ResultAsync<void, PortError>;
}

/** A running watch of the peers' leases. */
export interface PeerWatch {
  close(): Promise<void>;
}

/**
 * The other hosts' leases, as events: a snapshot first, then changes. This
 * host's own lease never appears (the one place it is left out is
 * {@link PeerLeaseSet}).
 */
export interface PeerSource {
  /**
   * @param onEvent receives each event in order
   * @param onError receives failures to reach the store (the watch keeps trying)
   */
  watch(onEvent: (event: PeerLeaseEvent) => void, onError: (error: PortError) => void): PeerWatch;
}

/** Where subnet.env goes. */
export interface SubnetFileWriter {
  /** The file's path, for the log. */
  readonly path: string;
  /** Writes the file (atomically). */
  write(env: SubnetEnv): ResultAsync<void, PortError>;
}

/** Installs and removes iptables rules; both idempotent. */
export interface Firewall {
  ensure(rules: readonly IptablesRule[]): ResultAsync<void, PortError>;
  remove(rules: readonly IptablesRule[]): ResultAsync<void, PortError>;
}

/** What the Docker step is asked to set. */
export interface DockerTarget {
  /** The leased subnet; `bip` is its first address. */
  readonly subnet: Cidr4;
  /** The MTU containers should use. */
  readonly mtu: number;
  /** Whether the agent masquerades (Docker then should not). */
  readonly ipMasq: boolean;
}

/** What the Docker step did. */
export interface DockerReport {
  /** The daemon.json it worked on. */
  readonly path: string;
  /** Whether daemon.json changed. */
  readonly changed: boolean;
  /** Whether dockerd was restarted (after a change, or because it still ran with other settings). */
  readonly restarted: boolean;
  /** Findings that did not stop the write (e.g. a tcp:// host without TLS), one line each. */
  readonly warnings: readonly string[];
}

/** Gives dockerd the lease: merge daemon.json, restart, verify. */
export type DockerStep = (target: DockerTarget) => ResultAsync<DockerReport, PortError>;
