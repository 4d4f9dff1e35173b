/**
 * What the agent is built from: small interfaces (ports) for the lease
 * manager, the peers' leases, the data path, subnet.env, the firewall and the
 * Docker step. The agent's orchestration ({@link startAgent}) uses only
 * these, so it runs in unit tests on an in-memory registry, a manual clock
 * and fakes; `flannel-ts/node` fills them with etcd, TUN and UDP sockets,
 * iptables and dockerd.
 *
 * @module
 */
import type { ResultAsync } from "neverthrow";
import type { Cidr4 } from "../subnet/cidr.ts";
import type { Ip4 } from "../subnet/ip.ts";
import type { NetworkConfig } from "../subnet/network-config.ts";
import type { IptablesRule } from "./iptables-rules.ts";
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
  /** The PublicIP to write in the lease (and to find this host's existing lease by). */
  readonly publicIp: Ip4;
  /** The subnet from the previous subnet.env, asked for again when free. */
  readonly previousSubnet?: Cidr4;
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

/** A change in the other hosts' leases. */
export type PeerEvent =
  | { readonly kind: "added"; readonly subnet: Cidr4; readonly publicIp: Ip4 }
  | { readonly kind: "updated"; readonly subnet: Cidr4; readonly publicIp: Ip4 }
  | { readonly kind: "removed"; readonly subnet: Cidr4 };

/** A running watch of the peers' leases. */
export interface PeerWatch {
  close(): Promise<void>;
}

/**
 * The leases of every host, as events: an `added` for each existing lease
 * first, then changes. The agent ignores its own subnet, so a source may
 * report it.
 */
export interface PeerSource {
  /**
   * @param onEvent receives each event in order
   * @param onError receives failures to reach the store (the watch keeps trying)
   */
  watch(onEvent: (event: PeerEvent) => void, onError: (error: PortError) => void): PeerWatch;
}

/** How to open the data path for a lease. */
export interface DataPathSpec {
  /** TUN device name, e.g. flannel0. */
  readonly tunName: string;
  /** This host's subnet; the TUN gets its network address as /32 (flanneld does). */
  readonly subnet: Cidr4;
  /** The whole flannel network, routed through the TUN. */
  readonly network: Cidr4;
  /** The TUN's MTU: the external interface's minus 28 (IPv4 + UDP headers). */
  readonly mtu: number;
  /** The address the UDP socket binds to (the external interface's). */
  readonly bindAddress: Ip4;
  /** The UDP port, 8285 or Backend.Port. */
  readonly port: number;
  /** Accept datagrams only from the PublicIPs of current routes. */
  readonly sourceFilter: boolean;
}

/** A running data path (the UDP engine with its TUN device and socket). */
export interface DataPath {
  /** Sends traffic for `subnet` to `publicIp` (adds or replaces the route). */
  setRoute(subnet: Cidr4, publicIp: Ip4): void;
  /** Stops sending traffic for `subnet`. */
  deleteRoute(subnet: Cidr4): void;
  /** Stops the engine and removes the TUN device. */
  close(): Promise<void>;
  /** Settles with a reason if the engine dies on its own (the agent then stops). Default: never. */
  readonly failed?: Promise<string>;
}

/** Opens the data path: creates and configures the TUN device, binds the socket, starts the engine. */
export type OpenDataPath = (spec: DataPathSpec) => ResultAsync<DataPath, PortError>;

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
