import type { Cidr, Ip } from "../subnet/index.ts";

/** The container interface's name when `-i` is not given (pipework's default too). */
export const DEFAULT_CONTAINER_INTERFACE = "eth1";

/** The MTU a Linux bridge has when it is created without one and has no ports yet. */
export const NEW_BRIDGE_MTU = 1500;

/** An address for the container's interface, with an optional default gateway. */
export interface InterfaceAddress {
  /** The address and its prefix length, host bits kept (`10.9.0.2/24`). */
  readonly address: Cidr;
  /** The default route's next hop: same family, inside the prefix (or, for IPv6, link-local). */
  readonly gateway?: Ip;
}

/** Fields shared by both kinds of {@link PipeworkRequest}. */
interface RequestBase {
  /** The host's Linux bridge (created when missing). */
  readonly bridge: string;
  /** The interface's name inside the container. Default {@link DEFAULT_CONTAINER_INTERFACE}. */
  readonly containerInterface: string;
  /** The container's name or ID (a unique ID prefix works, as with `docker inspect`). */
  readonly container: string;
}

/** Put one more interface into a running container, on a host bridge. */
export interface PipeworkAddRequest extends RequestBase {
  readonly action: "add";
  readonly address: InterfaceAddress;
  /** The interface's MAC address, lower case (`02:42:0a:09:00:02`). Default: the kernel's random one. */
  readonly mac?: string;
  /** The interface's MTU (both veth ends). Default: the bridge's MTU. */
  readonly mtu?: number;
}

/**
 * Take the interface out again. Every value given besides the names must
 * match what is there, so that a mistyped command removes nothing.
 */
export interface PipeworkRemoveRequest extends RequestBase {
  readonly action: "remove";
  readonly address?: InterfaceAddress;
  readonly mac?: string;
  readonly mtu?: number;
}

/** What `flannel-ts pipework` was asked to do, from {@link parsePipeworkArgs} or built by hand. */
export type PipeworkRequest = PipeworkAddRequest | PipeworkRemoveRequest;
