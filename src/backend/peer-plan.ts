import type { LinkRef } from "../netlink/link-ref.ts";
import type { Mac } from "../netlink/mac.ts";
import type { Cidr } from "../subnet/cidr.ts";
import type { Ip } from "../subnet/ip.ts";

/**
 * One entry a kernel backend keeps for a peer: a route to its subnet, a
 * neighbour entry (VXLAN: the peer's VTEP address to its VtepMAC), or an
 * FDB entry (VXLAN: the VtepMAC to its PublicIP).
 */
export type KernelEntry =
  | { readonly kind: "route"; readonly dst: Cidr; readonly gateway: Ip; readonly oif: LinkRef; readonly onlink: boolean }
  | { readonly kind: "neighbour"; readonly link: LinkRef; readonly ip: Ip; readonly mac: Mac }
  | { readonly kind: "fdb"; readonly link: LinkRef; readonly mac: Mac; readonly dst: Ip };

/** A peer's entries, in the order they are added, or why the peer is left out. */
export type PeerPlan = { readonly entries: readonly KernelEntry[] } | { readonly skip: string };
