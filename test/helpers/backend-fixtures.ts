// Fixtures the kernel backends' unit tests share: a host's route as the
// kernel reports it, and a peer's lease as the registry decodes it.
import { parseLeaseAttrs } from "../../src/etcd/lease-attrs.ts";
import type { LeaseRecord } from "../../src/etcd/registry.ts";
import { RT_SCOPE, RT_TABLE, RTN, RTPROT } from "../../src/netlink/constants.ts";
import type { RouteInfo } from "../../src/netlink/route-info.ts";
import { parseCidr, parseCidr4, parseCidr6 } from "../../src/subnet/cidr.ts";
import { parseIp } from "../../src/subnet/ip.ts";
import { formatSubnetKey } from "../../src/subnet/subnet-key.ts";

/** A main-table route out of `oif`: on-link (the kernel's) without a gateway, via `gateway` (boot) with one. */
export function hostRoute(dst: string, oif: number, gateway?: string): RouteInfo {
  return {
    dst: parseCidr(dst)._unsafeUnwrap(),
    ...(gateway === undefined ? {} : { gateway: parseIp(gateway)._unsafeUnwrap() }),
    oif,
    onlink: false,
    table: RT_TABLE.MAIN,
    protocol: gateway === undefined ? RTPROT.KERNEL : RTPROT.BOOT,
    scope: gateway === undefined ? RT_SCOPE.LINK : RT_SCOPE.UNIVERSE,
    type: RTN.UNICAST,
    flags: 0,
  };
}

/** A lease under flanneld's default prefix for `subnet` (and `ipv6Subnet`) with the lease value `value`, at revision 1. */
export function leaseRecord(subnet: string, value: string, ipv6Subnet?: string): LeaseRecord {
  const key = { ipv4: parseCidr4(subnet)._unsafeUnwrap(), ...(ipv6Subnet === undefined ? {} : { ipv6: parseCidr6(ipv6Subnet)._unsafeUnwrap() }) };
  return { key: `/coreos.com/network/subnets/${formatSubnetKey(key)}`, subnet: key, attrs: parseLeaseAttrs(value)._unsafeUnwrap(), value, createRevision: 1, modRevision: 1 };
}
