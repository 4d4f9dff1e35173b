import { err, ok, type Result, safeTry } from "neverthrow";
import type { Ip } from "../subnet/ip.ts";
import { NDA } from "./_attribute-types.ts";
import { familyOfAf } from "./_family.ts";
import { NDMSG_LENGTH, readNdMsg } from "./_family-headers.ts";
import { offsetError } from "./_offset-error.ts";
import { Attributes } from "./attributes.ts";
import { RTM } from "./constants.ts";
import { malformed, type NetlinkDecodeError } from "./decode-error.ts";
import type { Mac } from "./mac.ts";
import { type NetlinkMessage, NLMSG_HEADER_LENGTH } from "./netlink-message.ts";

/** An ARP (IPv4) or NDP (IPv6) neighbour entry as RTM_NEWNEIGH describes it. */
export interface NeighbourInfo {
  /** The device's index. */
  readonly index: number;
  readonly ip: Ip;
  /** The link-layer address, when the entry has an Ethernet one (incomplete entries have none). */
  readonly mac?: Mac;
  /** NUD_* state, e.g. `NUD.PERMANENT`. */
  readonly state: number;
  /** NTF_* flags. */
  readonly flags: number;
  /** `ndm_type` (an RTN_* value). */
  readonly type: number;
}

/**
 * Reads an RTM_NEWNEIGH (or RTM_DELNEIGH) message of family AF_INET or
 * AF_INET6. FDB entries (AF_BRIDGE) are read by `decodeFdbEntry`.
 *
 * @param message one message of a reply
 * @returns the entry, or where the message is truncated or malformed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeNeighbour, formatMac, NUD, parseMessages } from "flannel-ts/netlink";
 * // The kernel's reply to `ip neigh show dev nlv1` (ifindex 4), captured with strace, cache info left out.
 * const hex = "380000001c002200004a0f6b75090000020000000400000080000001080001000a0502000a000200be45e55eb14e00000800040000000000";
 * const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
 * const entry = decodeNeighbour(parseMessages(bytes)._unsafeUnwrap()[0]!)._unsafeUnwrap();
 * assert.equal(formatMac(entry.mac!), "be:45:e5:5e:b1:4e");
 * assert.equal(entry.state, NUD.PERMANENT);
 * ```
 */
export function decodeNeighbour(message: NetlinkMessage): Result<NeighbourInfo, NetlinkDecodeError> {
  const at = message.offset + NLMSG_HEADER_LENGTH;
  if (message.type !== RTM.NEWNEIGH && message.type !== RTM.DELNEIGH) {
    return err(malformed("ndmsg", message.offset, `message type ${message.type} is not RTM_NEWNEIGH or RTM_DELNEIGH`));
  }
  const p = message.payload;
  return safeTry(function* () {
    const header = yield* readNdMsg(p);
    const family = familyOfAf(header.family);
    if (family === undefined) return err(malformed("ndmsg", 0, `address family ${header.family} is not AF_INET or AF_INET6`));
    const a = yield* Attributes.parse(p, NDMSG_LENGTH, p.length);
    const ip = yield* a.ip(NDA.DST, "NDA_DST", family);
    if (ip === undefined) return err(malformed("ndmsg", 0, "no NDA_DST"));
    const mac = a.raw(NDA.LLADDR)?.length === 6 ? yield* a.mac(NDA.LLADDR, "NDA_LLADDR") : undefined;
    return ok<NeighbourInfo, NetlinkDecodeError>({
      index: header.index,
      ip,
      ...(mac === undefined ? {} : { mac }),
      state: header.state,
      flags: header.flags,
      type: header.type,
    });
  }).mapErr((e) => offsetError(e, at));
}
