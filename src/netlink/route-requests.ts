import { ok } from "neverthrow";
import { type Cidr, cidrAddress, formatCidr } from "../subnet/cidr.ts";
import { formatIp, type Ip } from "../subnet/ip.ts";
import { RTA } from "./_attribute-types.ts";
import { attributeIp, attributeU32 } from "./_attribute-writer.ts";
import { ByteWriter } from "./_bytes.ts";
import { afOf, familyOfAf } from "./_family.ts";
import { writeRtMsg } from "./_family-headers.ts";
import { NLM_F, RT_SCOPE, RT_TABLE, RTM, RTN, RTNH_F, RTPROT } from "./constants.ts";
import { linkIndex, linkLabel, type LinkRef } from "./link-ref.ts";
import type { NetlinkQuery, NetlinkRequest } from "./netlink-request.ts";
import { decodeRoute, type RouteInfo } from "./route-info.ts";

/** A route to add, replace or delete. A {@link RouteInfo} from a dump is one. */
export interface RouteSpec {
  readonly dst: Cidr;
  readonly gateway?: Ip;
  /** The output device. */
  readonly oif?: LinkRef;
  /** Take the gateway to be on the link (flannel's VXLAN routes). Default false. */
  readonly onlink?: boolean;
  /** Default RT_TABLE_MAIN (254). */
  readonly table?: number;
  /** RTPROT_*. Default RTPROT_BOOT, as `ip route` (a delete matches any protocol by default). */
  readonly protocol?: number;
  /** RT_SCOPE_*. Default: universe with a gateway, link without (a delete matches any scope by default). */
  readonly scope?: number;
  /** RTN_*. Default unicast (a delete matches any type by default). */
  readonly type?: number;
  /** The metric. */
  readonly priority?: number;
  /** The preferred source address. */
  readonly prefsrc?: Ip;
}

/**
 * A route in `ip route`'s words.
 *
 * @param route the route
 * @returns e.g. "10.5.2.0/24 via 10.5.2.0 dev flannel.1 onlink"
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRoute } from "flannel-ts/netlink";
 * import { parseCidr, parseIp } from "flannel-ts/subnet";
 * const route = { dst: parseCidr("10.5.2.0/24")._unsafeUnwrap(), gateway: parseIp("10.5.2.0")._unsafeUnwrap(), oif: { index: 7, name: "flannel.1" }, onlink: true };
 * assert.equal(formatRoute(route), "10.5.2.0/24 via 10.5.2.0 dev flannel.1 onlink");
 * ```
 */
export function formatRoute(route: RouteSpec): string {
  const type = route.type ?? RTN.UNICAST;
  return [
    type === RTN.UNICAST || type === RTN.UNSPEC ? "" : `${routeTypeName(type)} `,
    formatCidr(route.dst),
    route.gateway === undefined ? "" : ` via ${formatIp(route.gateway)}`,
    route.oif === undefined ? "" : ` dev ${linkLabel(route.oif)}`,
    route.table === undefined || route.table === RT_TABLE.MAIN ? "" : ` table ${route.table}`,
    route.priority === undefined ? "" : ` metric ${route.priority}`,
    route.prefsrc === undefined ? "" : ` src ${formatIp(route.prefsrc)}`,
    route.onlink === true ? " onlink" : "",
  ].join("");
}

function routeTypeName(type: number): string {
  const names: Readonly<Record<number, string>> = { 2: "local", 3: "broadcast", 4: "anycast", 5: "multicast", 6: "blackhole", 7: "unreachable", 8: "prohibit", 9: "throw" };
  return names[type] ?? `type ${type}`;
}

function writeRoute(route: RouteSpec, header: { protocol: number; scope: number; type: number; flags: number }): Uint8Array {
  const w = new ByteWriter();
  const table = route.table ?? RT_TABLE.MAIN;
  writeRtMsg(w, {
    family: afOf(route.dst.family),
    dstLength: route.dst.prefix,
    srcLength: 0,
    tos: 0,
    table: table > 255 ? RT_TABLE.UNSPEC : table,
    ...header,
  });
  if (route.dst.prefix > 0) attributeIp(w, RTA.DST, cidrAddress(route.dst));
  if (route.gateway !== undefined) attributeIp(w, RTA.GATEWAY, route.gateway);
  if (route.oif !== undefined) attributeU32(w, RTA.OIF, linkIndex(route.oif));
  if (route.priority !== undefined) attributeU32(w, RTA.PRIORITY, route.priority);
  if (route.prefsrc !== undefined) attributeIp(w, RTA.PREFSRC, route.prefsrc);
  if (table > 255) attributeU32(w, RTA.TABLE, table);
  return w.finish();
}

function changeRoute(route: RouteSpec, flags: number, verb: string): NetlinkRequest {
  const payload = writeRoute(route, {
    protocol: route.protocol ?? RTPROT.BOOT,
    scope: route.scope ?? (route.gateway === undefined && route.oif !== undefined ? RT_SCOPE.LINK : RT_SCOPE.UNIVERSE),
    type: route.type ?? RTN.UNICAST,
    flags: route.onlink === true ? RTNH_F.ONLINK : 0,
  });
  return { type: RTM.NEWROUTE, flags: NLM_F.REQUEST | NLM_F.ACK | flags, payload, description: `${verb} route ${formatRoute(route)}` };
}

/**
 * RTM_NEWROUTE that adds a route (EEXIST when the table has one for that
 * destination and metric), as `ip route add` sends it.
 *
 * @param route the route
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newRoute } from "flannel-ts/netlink";
 * import { parseCidr, parseIp } from "flannel-ts/subnet";
 * const request = newRoute({ dst: parseCidr("10.5.2.0/24")._unsafeUnwrap(), gateway: parseIp("192.0.2.2")._unsafeUnwrap() });
 * assert.equal(request.description, "add route 10.5.2.0/24 via 192.0.2.2");
 * ```
 */
export function newRoute(route: RouteSpec): NetlinkRequest {
  return changeRoute(route, NLM_F.CREATE | NLM_F.EXCL, "add");
}

/**
 * RTM_NEWROUTE with NLM_F_REPLACE: adds the route or replaces the one with
 * the same destination and metric (`ip route replace`); what flannel does
 * for every peer.
 *
 * @param route the route
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replaceRoute } from "flannel-ts/netlink";
 * import { parseCidr, parseIp } from "flannel-ts/subnet";
 * const request = replaceRoute({ dst: parseCidr("10.5.2.0/24")._unsafeUnwrap(), gateway: parseIp("10.5.2.0")._unsafeUnwrap(), oif: { index: 7, name: "flannel.1" }, onlink: true });
 * assert.equal(request.description, "replace route 10.5.2.0/24 via 10.5.2.0 dev flannel.1 onlink");
 * ```
 */
export function replaceRoute(route: RouteSpec): NetlinkRequest {
  return changeRoute(route, NLM_F.CREATE | NLM_F.REPLACE, "replace");
}

/**
 * RTM_DELROUTE (ESRCH when there is no such route). As `ip route del`,
 * protocol, scope and type match anything unless given.
 *
 * @param route the route; a {@link RouteInfo} from a dump deletes exactly that route
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deleteRoute } from "flannel-ts/netlink";
 * import { parseCidr } from "flannel-ts/subnet";
 * assert.equal(deleteRoute({ dst: parseCidr("10.5.2.0/24")._unsafeUnwrap(), oif: 7 }).description, "delete route 10.5.2.0/24 dev ifindex 7");
 * ```
 */
export function deleteRoute(route: RouteSpec): NetlinkRequest {
  const payload = writeRoute(route, { protocol: route.protocol ?? RTPROT.UNSPEC, scope: route.scope ?? RT_SCOPE.NOWHERE, type: route.type ?? RTN.UNSPEC, flags: 0 });
  return { type: RTM.DELROUTE, flags: NLM_F.REQUEST | NLM_F.ACK, payload, description: `delete route ${formatRoute({ ...route, onlink: false })}` };
}

/** Which routes {@link dumpRoutes} keeps. */
export interface RouteFilter {
  readonly family: 4 | 6;
  /** Only this table's; every table when absent. */
  readonly table?: number;
  /** Only routes out of this device. */
  readonly oif?: LinkRef;
}

/**
 * RTM_GETROUTE dump of one family. Table and device go to the kernel
 * (applied there when strict checking is on) and are applied again to the
 * replies; cached clones are never in a dump.
 *
 * @param filter family, table, device
 * @returns the query
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dumpRoutes, RT_TABLE } from "flannel-ts/netlink";
 * assert.equal(dumpRoutes({ family: 4, table: RT_TABLE.MAIN, oif: 7 }).description, "dump IPv4 routes of table 254 dev ifindex 7");
 * ```
 */
export function dumpRoutes(filter: RouteFilter): NetlinkQuery<RouteInfo> {
  const w = new ByteWriter();
  writeRtMsg(w, { family: afOf(filter.family), dstLength: 0, srcLength: 0, tos: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0 });
  if (filter.table !== undefined) attributeU32(w, RTA.TABLE, filter.table);
  const oif = filter.oif === undefined ? undefined : linkIndex(filter.oif);
  if (oif !== undefined) attributeU32(w, RTA.OIF, oif);
  const description = `dump IPv${filter.family} routes${filter.table === undefined ? "" : ` of table ${filter.table}`}${
    filter.oif === undefined ? "" : ` dev ${linkLabel(filter.oif)}`
  }`;
  return {
    type: RTM.GETROUTE,
    flags: NLM_F.REQUEST | NLM_F.DUMP,
    payload: w.finish(),
    description,
    decode: (message) =>
      message.payload.length > 0 && familyOfAf(message.payload[0]!) !== filter.family
        ? ok(undefined)
        : decodeRoute(message).map((r) => ((filter.table === undefined || r.table === filter.table) && (oif === undefined || r.oif === oif) ? r : undefined)),
  };
}

/**
 * RTM_GETROUTE for one address, as `ip route get` asks: the route the kernel
 * would take to it, with the output device (`oif`) and the source address it
 * would use (`prefsrc`). flanneld's `--iface-can-reach` picks its interface
 * this way. An address with no route is refused (ENETUNREACH).
 *
 * @param destination the address to reach
 * @returns the query; its one value is the route
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getRoute } from "flannel-ts/netlink";
 * import { parseIp } from "flannel-ts/subnet";
 * const query = getRoute(parseIp("192.0.2.7")._unsafeUnwrap());
 * assert.equal(query.description, "get route to 192.0.2.7");
 * // rtmsg (AF_INET, a /32 destination), then RTA_DST: 8 bytes, type 1, 192.0.2.7.
 * assert.deepEqual([...query.payload], [2, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8, 0, 1, 0, 192, 0, 2, 7]);
 * ```
 */
export function getRoute(destination: Ip): NetlinkQuery<RouteInfo> {
  const w = new ByteWriter();
  writeRtMsg(w, { family: afOf(destination.family), dstLength: destination.family === 4 ? 32 : 128, srcLength: 0, tos: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0 });
  attributeIp(w, RTA.DST, destination);
  return { type: RTM.GETROUTE, flags: NLM_F.REQUEST, payload: w.finish(), description: `get route to ${formatIp(destination)}`, decode: decodeRoute };
}
