import { err, ok, type Result, safeTry } from "neverthrow";
import type { Ip } from "../subnet/ip.ts";
import { NDA } from "./_attribute-types.ts";
import { NDMSG_LENGTH, readNdMsg } from "./_family-headers.ts";
import { offsetError } from "./_offset-error.ts";
import { Attributes } from "./attributes.ts";
import { AF, RTM } from "./constants.ts";
import { malformed, type NetlinkDecodeError } from "./decode-error.ts";
import type { Mac } from "./mac.ts";
import { type NetlinkMessage, NLMSG_HEADER_LENGTH } from "./netlink-message.ts";

/**
 * A forwarding database entry (family AF_BRIDGE) as RTM_NEWNEIGH describes
 * it. On a VXLAN device with NTF_SELF, `dst` is the remote VTEP that
 * frames for `mac` are sent to.
 */
export interface FdbEntry {
  /** The device's index. */
  readonly index: number;
  readonly mac: Mac;
  /** The remote VTEP (IPv4 or IPv6), for VXLAN entries. */
  readonly dst?: Ip;
  /** NUD_* state. */
  readonly state: number;
  /** NTF_* flags (NTF_SELF: the device's own table, not a bridge's). */
  readonly flags: number;
  /** The VNI, when the entry names one (`NDA_VNI`). */
  readonly vni?: number;
  /** The remote UDP port, when the entry names one (`NDA_PORT`). */
  readonly port?: number;
  /** The bridge's index, for an entry of a bridge port. */
  readonly master?: number;
  readonly vlan?: number;
}

/**
 * Reads an RTM_NEWNEIGH (or RTM_DELNEIGH) message of family AF_BRIDGE.
 *
 * @param message one message of a reply
 * @returns the entry, or where the message is truncated or malformed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFdbEntry, formatMac, parseMessages } from "flannel-ts/netlink";
 * import { formatIp } from "flannel-ts/subnet";
 * // The kernel's reply to `bridge fdb show dev nlv1` (ifindex 4), captured with strace, cache info left out.
 * const hex = "300000001c000200004a0f6b830900000700000004000000c00002010a000200be45e55eb14e000008000100c0000202";
 * const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
 * const entry = decodeFdbEntry(parseMessages(bytes)._unsafeUnwrap()[0]!)._unsafeUnwrap();
 * assert.equal(formatMac(entry.mac), "be:45:e5:5e:b1:4e");
 * assert.equal(formatIp(entry.dst!), "192.0.2.2");
 * ```
 */
export function decodeFdbEntry(message: NetlinkMessage): Result<FdbEntry, NetlinkDecodeError> {
  const at = message.offset + NLMSG_HEADER_LENGTH;
  if (message.type !== RTM.NEWNEIGH && message.type !== RTM.DELNEIGH) {
    return err(malformed("ndmsg", message.offset, `message type ${message.type} is not RTM_NEWNEIGH or RTM_DELNEIGH`));
  }
  const p = message.payload;
  return safeTry(function* () {
    const header = yield* readNdMsg(p);
    if (header.family !== AF.BRIDGE) return err(malformed("ndmsg", 0, `address family ${header.family} is not AF_BRIDGE`));
    const a = yield* Attributes.parse(p, NDMSG_LENGTH, p.length);
    const mac = yield* a.mac(NDA.LLADDR, "NDA_LLADDR");
    if (mac === undefined) return err(malformed("ndmsg", 0, "no NDA_LLADDR"));
    const dst = yield* a.ipAnyFamily(NDA.DST, "NDA_DST");
    const vni = yield* a.u32(NDA.VNI, "NDA_VNI");
    const port = yield* a.u16be(NDA.PORT, "NDA_PORT");
    const master = yield* a.u32(NDA.MASTER, "NDA_MASTER");
    const vlan = yield* a.u16(NDA.VLAN, "NDA_VLAN");
    return ok<FdbEntry, NetlinkDecodeError>({
      index: header.index,
      mac,
      ...(dst === undefined ? {} : { dst }),
      state: header.state,
      flags: header.flags,
      ...(vni === undefined ? {} : { vni }),
      ...(port === undefined ? {} : { port }),
      ...(master === undefined ? {} : { master }),
      ...(vlan === undefined ? {} : { vlan }),
    });
  }).mapErr((e) => offsetError(e, at));
}
