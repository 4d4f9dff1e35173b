import { err, ok, type Result, safeTry } from "neverthrow";
import { type Cidr, cidr4, cidr6 } from "../subnet/cidr.ts";
import type { Ip } from "../subnet/ip.ts";
import { RTA } from "./_attribute-types.ts";
import { familyOfAf } from "./_family.ts";
import { readRtMsg, RTMSG_LENGTH } from "./_family-headers.ts";
import { offsetError } from "./_offset-error.ts";
import { Attributes } from "./attributes.ts";
import { RTM, RTNH_F } from "./constants.ts";
import { malformed, type NetlinkDecodeError } from "./decode-error.ts";
import { type NetlinkMessage, NLMSG_HEADER_LENGTH } from "./netlink-message.ts";

/** A route as RTM_NEWROUTE describes it. */
export interface RouteInfo {
  /** The destination; prefix 0 for a default route. */
  readonly dst: Cidr;
  readonly gateway?: Ip;
  /** The output device's index. */
  readonly oif?: number;
  /** RTNH_F_ONLINK: the gateway is taken to be on the link. */
  readonly onlink: boolean;
  /** The routing table (RT_TABLE_MAIN is 254). */
  readonly table: number;
  /** RTPROT_*: who installed it. */
  readonly protocol: number;
  /** RT_SCOPE_*. */
  readonly scope: number;
  /** RTN_*: unicast, local, blackhole, ... */
  readonly type: number;
  /** The metric (`RTA_PRIORITY`). */
  readonly priority?: number;
  /** The preferred source address (`RTA_PREFSRC`). */
  readonly prefsrc?: Ip;
  /** All of `rtm_flags` (RTNH_F_* and RTM_F_*). */
  readonly flags: number;
}

/**
 * Reads an RTM_NEWROUTE (or RTM_DELROUTE) message of family AF_INET or
 * AF_INET6. Multipath next hops (`RTA_MULTIPATH`) are not read: such a
 * route has no `gateway` or `oif`.
 *
 * @param message one message of a reply
 * @returns the route, or where the message is truncated or malformed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeRoute, formatRoute, parseMessages } from "flannel-ts/netlink";
 * // The kernel's reply to `ip route show dev nlv1` (ifindex 4), captured with strace.
 * const hex = "3c00000018002200ff490f6b4b09000002180000fe0300010400000008000f00fe000000080001000a050200080005000a0502000800040004000000";
 * const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
 * const route = decodeRoute(parseMessages(bytes)._unsafeUnwrap()[0]!)._unsafeUnwrap();
 * assert.equal(formatRoute(route), "10.5.2.0/24 via 10.5.2.0 dev ifindex 4 onlink");
 * ```
 */
export function decodeRoute(message: NetlinkMessage): Result<RouteInfo, NetlinkDecodeError> {
  const at = message.offset + NLMSG_HEADER_LENGTH;
  if (message.type !== RTM.NEWROUTE && message.type !== RTM.DELROUTE) {
    return err(malformed("rtmsg", message.offset, `message type ${message.type} is not RTM_NEWROUTE or RTM_DELROUTE`));
  }
  const p = message.payload;
  return safeTry(function* () {
    const header = yield* readRtMsg(p);
    const family = familyOfAf(header.family);
    if (family === undefined) return err(malformed("rtmsg", 0, `address family ${header.family} is not AF_INET or AF_INET6`));
    if (header.dstLength > (family === 4 ? 32 : 128)) return err(malformed("rtmsg", 1, `destination length ${header.dstLength} is too long for IPv${family}`));
    const a = yield* Attributes.parse(p, RTMSG_LENGTH, p.length);
    const dst = yield* a.ip(RTA.DST, "RTA_DST", family);
    const gateway = yield* a.ip(RTA.GATEWAY, "RTA_GATEWAY", family);
    const oif = yield* a.u32(RTA.OIF, "RTA_OIF");
    const priority = yield* a.u32(RTA.PRIORITY, "RTA_PRIORITY");
    const prefsrc = yield* a.ip(RTA.PREFSRC, "RTA_PREFSRC", family);
    const table = yield* a.u32(RTA.TABLE, "RTA_TABLE");
    const address = dst?.value ?? (family === 4 ? 0 : 0n);
    return ok<RouteInfo, NetlinkDecodeError>({
      dst: typeof address === "number" ? cidr4(address, header.dstLength) : cidr6(address, header.dstLength),
      ...(gateway === undefined ? {} : { gateway }),
      ...(oif === undefined ? {} : { oif }),
      onlink: (header.flags & RTNH_F.ONLINK) !== 0,
      table: table ?? header.table,
      protocol: header.protocol,
      scope: header.scope,
      type: header.type,
      ...(priority === undefined ? {} : { priority }),
      ...(prefsrc === undefined ? {} : { prefsrc }),
      flags: header.flags,
    });
  }).mapErr((e) => offsetError(e, at));
}
