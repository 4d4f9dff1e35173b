import type { LeaseRecord } from "../../etcd/registry.ts";
import type { LinkRef } from "../../netlink/link-ref.ts";
import type { Cidr } from "../../subnet/cidr.ts";
import { type Ip, ip4, ip6 } from "../../subnet/ip.ts";
import type { KernelEntry, PeerPlan } from "../peer-plan.ts";
import { parseVxlanLeaseData } from "./vxlan-lease-data.ts";

/** One family's VXLAN device as the plan needs it. */
export interface VxlanFamilyTarget {
  /** flannel.<VNI> or flannel-v6.<VNI>. */
  readonly device: LinkRef;
  /**
   * DirectRouting: the device a peer's PublicIP is reached through without
   * a gateway, or undefined (then the peer goes through VXLAN). Absent when
   * DirectRouting is off.
   */
  readonly direct?: (publicIp: Ip) => LinkRef | undefined;
}

/** The families this host carries. */
export interface VxlanTargets {
  readonly v4?: VxlanFamilyTarget;
  readonly v6?: VxlanFamilyTarget;
}

function familyEntries(target: VxlanFamilyTarget, subnet: Cidr, publicIp: Ip, raw: string | undefined, field: string): KernelEntry[] | string {
  if (raw === undefined) return `its lease has no ${field}`;
  const data = parseVxlanLeaseData(raw);
  if (data.isErr()) return `its ${field} is unusable: ${data.error.message}`;
  const direct = target.direct?.(publicIp);
  if (direct !== undefined) return [{ kind: "route", dst: subnet, gateway: publicIp, oif: direct, onlink: false }];
  const vtep = subnet.family === 4 ? ip4(subnet.address) : ip6(subnet.address);
  const mac = data.value.vtepMac;
  // The route goes last: until the neighbour is there, the kernel would ARP for the VTEP address.
  return [
    { kind: "neighbour", link: target.device, ip: vtep, mac },
    { kind: "fdb", link: target.device, mac, dst: publicIp },
    { kind: "route", dst: subnet, gateway: vtep, oif: target.device, onlink: true },
  ];
}

/**
 * What flanneld's VXLAN backend puts in the kernel for a peer, per family:
 * a permanent neighbour (the peer subnet's network address to its
 * VtepMAC) and an FDB entry (the VtepMAC to its PublicIP) on the device,
 * and a route to the subnet via that address, onlink; with DirectRouting,
 * for a peer whose PublicIP is on a link of this host, a plain route via
 * the PublicIP instead. A lease of another backend, or one whose VXLAN
 * data cannot be read, is left out with the reason, as flanneld ignores it.
 *
 * @param lease the peer's lease
 * @param targets this host's devices (IPv6 only on dual-stack networks)
 * @returns the entries, or why the peer is left out
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { vxlanPeerPlan } from "flannel-ts/backend";
 * import { parseLeaseAttrs } from "flannel-ts/etcd";
 * import { parseCidr4 } from "flannel-ts/subnet";
 *
 * const value = '{"PublicIP":"192.0.2.2","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"be:45:e5:5e:b1:4e"}}';
 * const lease = { key: "/coreos.com/network/subnets/10.5.2.0-24", subnet: { ipv4: parseCidr4("10.5.2.0/24")._unsafeUnwrap() }, attrs: parseLeaseAttrs(value)._unsafeUnwrap(), value, createRevision: 1, modRevision: 1 };
 * const plan = vxlanPeerPlan(lease, { v4: { device: { index: 7, name: "flannel.1" } } });
 * assert.deepEqual("entries" in plan && plan.entries.map((e) => e.kind), ["neighbour", "fdb", "route"]);
 * ```
 */
export function vxlanPeerPlan(lease: LeaseRecord, targets: VxlanTargets): PeerPlan {
  const { attrs, subnet } = lease;
  if (attrs.backendType !== "vxlan") {
    return { skip: `its BackendType is ${attrs.backendType === undefined ? "absent" : `"${attrs.backendType}"`}, not "vxlan" (flanneld ignores such leases)` };
  }
  const entries: KernelEntry[] = [];
  if (targets.v4 !== undefined) {
    const v4 = familyEntries(targets.v4, subnet.ipv4, attrs.publicIp, attrs.backendData, "BackendData");
    if (typeof v4 === "string") return { skip: v4 };
    entries.push(...v4);
  }
  if (targets.v6 !== undefined && subnet.ipv6 !== undefined) {
    if (attrs.publicIpv6 === undefined) return { skip: "its lease has an IPv6 subnet but no PublicIPv6" };
    const v6 = familyEntries(targets.v6, subnet.ipv6, attrs.publicIpv6, attrs.backendV6Data, "BackendV6Data");
    if (typeof v6 === "string") return { skip: v6 };
    entries.push(...v6);
  }
  return { entries };
}
