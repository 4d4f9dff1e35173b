import type { RouteInfo } from "../netlink/route-info.ts";
import { RTN } from "../netlink/constants.ts";
import { cidrContainsIp } from "../subnet/cidr.ts";
import type { Ip } from "../subnet/ip.ts";

/**
 * The route the kernel would take to `ip` by the given table: the longest
 * prefix that contains it, the lowest metric among equals. Policy rules are
 * not looked at, so pass the main table's routes (as flanneld's hosts have
 * them); what the backends ask of it is flannel's on-link question: does the
 * way to a peer's PublicIP need a gateway?
 *
 * @param routes one table's routes (e.g. `Rtnetlink.routes({ family: 4, table: RT_TABLE.MAIN })`)
 * @param ip the destination
 * @returns the matching route, or undefined when none covers `ip`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lookupRoute } from "flannel-ts/backend";
 * import { RT_TABLE, RT_SCOPE, RTN, RTPROT } from "flannel-ts/netlink";
 * import { parseCidr, parseIp } from "flannel-ts/subnet";
 *
 * const base = { onlink: false, table: RT_TABLE.MAIN, protocol: RTPROT.BOOT, type: RTN.UNICAST, flags: 0 };
 * const routes = [
 *   { ...base, dst: parseCidr("0.0.0.0/0")._unsafeUnwrap(), gateway: parseIp("192.0.2.254")._unsafeUnwrap(), oif: 2, scope: RT_SCOPE.UNIVERSE },
 *   { ...base, dst: parseCidr("192.0.2.0/24")._unsafeUnwrap(), oif: 2, scope: RT_SCOPE.LINK },
 * ];
 * assert.equal(lookupRoute(routes, parseIp("192.0.2.7")._unsafeUnwrap())?.gateway, undefined); // on-link
 * assert.equal(lookupRoute(routes, parseIp("198.51.100.7")._unsafeUnwrap())?.gateway?.value, 0xc00002fe); // via the gateway
 * ```
 */
export function lookupRoute(routes: readonly RouteInfo[], ip: Ip): RouteInfo | undefined {
  let best: RouteInfo | undefined;
  for (const route of routes) {
    if (route.dst.family !== ip.family || !cidrContainsIp(route.dst, ip)) continue;
    if (route.type !== RTN.UNICAST && route.type !== RTN.LOCAL && route.type !== RTN.BLACKHOLE && route.type !== RTN.UNREACHABLE && route.type !== RTN.PROHIBIT) continue;
    if (best === undefined || route.dst.prefix > best.dst.prefix || (route.dst.prefix === best.dst.prefix && (route.priority ?? 0) < (best.priority ?? 0))) best = route;
  }
  return best;
}
