import type { Cidr, Ip } from "../subnet/index.ts";

/** An address on an interface, as `ip -j addr` shows it. */
export interface ObservedAddress {
  readonly cidr: Cidr;
  /** IPv6 duplicate address detection has not finished yet. */
  readonly tentative: boolean;
  /** IPv6 duplicate address detection found another holder on the link. */
  readonly dadFailed: boolean;
}

/** A network interface, as `ip -d -j addr` shows it. */
export interface ObservedLink {
  readonly index: number;
  readonly name: string;
  /** The link's kind from `-d` (`veth`, `bridge`, ...); absent for plain devices. */
  readonly kind?: string;
  /** The bridge it is a port of. */
  readonly master?: string;
  /** For a veth, the other end's interface index (in whichever namespace it is). */
  readonly peerIndex?: number;
  readonly mtu: number;
  /** Its Ethernet address, lower case. */
  readonly mac?: string;
  /** Administratively up (the UP flag), whether or not it has a carrier. */
  readonly up: boolean;
  /** Its alias (`ip link set ... alias`), where flannel-ts marks what it made. */
  readonly alias?: string;
  readonly addresses: readonly ObservedAddress[];
}

/** A default route of the main table, as `ip -j route show default` shows it. */
export interface ObservedRoute {
  readonly family: 4 | 6;
  readonly gateway?: Ip;
  readonly dev?: string;
  readonly metric?: number;
}

/** The container as the Engine API shows it, running. */
export interface ContainerRef {
  /** Its full ID. */
  readonly id: string;
  /** Its name, without Docker's leading "/". */
  readonly name: string;
  /** The PID of its first process, whose network namespace is the container's. */
  readonly pid: number;
}

/** What the planner needs to know of the host and the container. */
export interface PipeworkObservation {
  readonly container: ContainerRef;
  /** The host's interfaces. */
  readonly host: readonly ObservedLink[];
  /** The interfaces in the container's network namespace. */
  readonly containerLinks: readonly ObservedLink[];
  /** The container's default routes, both families. */
  readonly containerRoutes: readonly ObservedRoute[];
}
