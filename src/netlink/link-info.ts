import { err, ok, type Result, safeTry } from "neverthrow";
import type { Ip4, Ip6 } from "../subnet/ip.ts";
import { IFLA, IFLA_INFO, IFLA_VXLAN } from "./_attribute-types.ts";
import { IFINFOMSG_LENGTH, readIfInfoMsg } from "./_family-headers.ts";
import { offsetError } from "./_offset-error.ts";
import { Attributes } from "./attributes.ts";
import { IFF, RTM } from "./constants.ts";
import { malformed, type NetlinkDecodeError } from "./decode-error.ts";
import type { Mac } from "./mac.ts";
import { type NetlinkMessage, NLMSG_HEADER_LENGTH } from "./netlink-message.ts";

/** The VXLAN settings of a vxlan device (`IFLA_INFO_DATA`). */
export interface VxlanInfo {
  /** The VNI (`IFLA_VXLAN_ID`). */
  readonly id: number;
  /** The IPv4 source address of encapsulated packets (`IFLA_VXLAN_LOCAL`). */
  readonly local?: Ip4;
  /** The IPv6 source address (`IFLA_VXLAN_LOCAL6`). */
  readonly local6?: Ip6;
  /** The UDP destination port (`IFLA_VXLAN_PORT`, network byte order on the wire). */
  readonly port: number;
  /** Whether the device learns remote MACs from received packets. */
  readonly learning: boolean;
  /** Group Based Policy extension (`IFLA_VXLAN_GBP`). */
  readonly gbp: boolean;
  /** The underlay device's index (`IFLA_VXLAN_LINK`), when one was given. */
  readonly link?: number;
}

/** A network device as RTM_NEWLINK describes it. */
export interface LinkInfo {
  readonly index: number;
  readonly name: string;
  /** ARPHRD_* (1 is Ethernet). */
  readonly type: number;
  /** IFF_* flags. */
  readonly flags: number;
  /** Administratively up (IFF_UP). */
  readonly up: boolean;
  readonly mtu: number;
  /** The hardware address, when it is an Ethernet one. */
  readonly mac?: Mac;
  /** IF_OPER_* (RFC 2863 operational state). */
  readonly operstate?: number;
  /** The index of the bridge or bond this device belongs to. */
  readonly master?: number;
  /** The index of the device this one sits on (`IFLA_LINK`, e.g. a veth's peer). */
  readonly link?: number;
  /** The driver kind from `IFLA_INFO_KIND`, e.g. "vxlan", "veth", "bridge". */
  readonly kind?: string;
  /** For kind "vxlan": its settings. */
  readonly vxlan?: VxlanInfo;
}

/**
 * Reads an RTM_NEWLINK (or RTM_DELLINK) message: ifinfomsg, name, MTU, MAC,
 * state, master and, for VXLAN devices, the VXLAN settings. Attributes it
 * does not know are skipped.
 *
 * @param message one message of a reply
 * @returns the device, or where the message is truncated or malformed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeLink, parseMessages } from "flannel-ts/netlink";
 * // An RTM_NEWLINK cut down to what a VXLAN device's description needs:
 * // ifindex 4 up, IFLA_IFNAME "nlv1", IFLA_MTU 1450, IFLA_LINKINFO { "vxlan", { ID 1, PORT 8472 } }.
 * const hex = "5800000010000000010000000000000000000100040000004310010000000000090003006e6c76310000000008000400aa050000" +
 *   "240012000a00010076786c616e00000014000200080001000100000006000f0021180000";
 * const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
 * const link = decodeLink(parseMessages(bytes)._unsafeUnwrap()[0]!)._unsafeUnwrap();
 * assert.deepEqual([link.name, link.up, link.mtu, link.vxlan?.id, link.vxlan?.port], ["nlv1", true, 1450, 1, 8472]);
 * ```
 */
export function decodeLink(message: NetlinkMessage): Result<LinkInfo, NetlinkDecodeError> {
  const at = message.offset + NLMSG_HEADER_LENGTH;
  if (message.type !== RTM.NEWLINK && message.type !== RTM.DELLINK) {
    return err(malformed("ifinfomsg", message.offset, `message type ${message.type} is not RTM_NEWLINK or RTM_DELLINK`));
  }
  const p = message.payload;
  return safeTry(function* () {
    const header = yield* readIfInfoMsg(p);
    const a = yield* Attributes.parse(p, IFINFOMSG_LENGTH, p.length);
    const name = yield* a.string(IFLA.IFNAME, "IFLA_IFNAME");
    if (name === undefined) return err(malformed("ifinfomsg", 0, `device ${header.index} has no IFLA_IFNAME`));
    const mtu = yield* a.u32(IFLA.MTU, "IFLA_MTU");
    if (mtu === undefined) return err(malformed("ifinfomsg", 0, `device ${name} has no IFLA_MTU`));
    const hardware = a.raw(IFLA.ADDRESS);
    const mac = hardware?.length === 6 ? yield* a.mac(IFLA.ADDRESS, "IFLA_ADDRESS") : undefined;
    const operstate = yield* a.u8(IFLA.OPERSTATE, "IFLA_OPERSTATE");
    const master = yield* a.u32(IFLA.MASTER, "IFLA_MASTER");
    const link = yield* a.u32(IFLA.LINK, "IFLA_LINK");
    const info = yield* a.nested(IFLA.LINKINFO, "IFLA_LINKINFO");
    const kind = info === undefined ? undefined : yield* info.string(IFLA_INFO.KIND, "IFLA_INFO_KIND");
    const data = kind === "vxlan" && info !== undefined ? yield* info.nested(IFLA_INFO.DATA, "IFLA_INFO_DATA") : undefined;
    const vxlan = data === undefined ? undefined : yield* decodeVxlan(data, name);
    return ok<LinkInfo, NetlinkDecodeError>({
      index: header.index,
      name,
      type: header.type,
      flags: header.flags,
      up: (header.flags & IFF.UP) !== 0,
      mtu,
      ...(mac === undefined ? {} : { mac }),
      ...(operstate === undefined ? {} : { operstate }),
      ...(master === undefined ? {} : { master }),
      ...(link === undefined ? {} : { link }),
      ...(kind === undefined ? {} : { kind }),
      ...(vxlan === undefined ? {} : { vxlan }),
    });
  }).mapErr((e) => offsetError(e, at));
}

function decodeVxlan(a: Attributes, name: string): Result<VxlanInfo, NetlinkDecodeError> {
  return safeTry(function* () {
    const id = yield* a.u32(IFLA_VXLAN.ID, "IFLA_VXLAN_ID");
    if (id === undefined) return err(malformed("IFLA_INFO_DATA", 0, `vxlan device ${name} has no IFLA_VXLAN_ID`));
    const port = yield* a.u16be(IFLA_VXLAN.PORT, "IFLA_VXLAN_PORT");
    if (port === undefined) return err(malformed("IFLA_INFO_DATA", 0, `vxlan device ${name} has no IFLA_VXLAN_PORT`));
    const local = yield* a.ip4(IFLA_VXLAN.LOCAL, "IFLA_VXLAN_LOCAL");
    const local6 = yield* a.ip6(IFLA_VXLAN.LOCAL6, "IFLA_VXLAN_LOCAL6");
    const learning = yield* a.u8(IFLA_VXLAN.LEARNING, "IFLA_VXLAN_LEARNING");
    const link = yield* a.u32(IFLA_VXLAN.LINK, "IFLA_VXLAN_LINK");
    return ok<VxlanInfo, NetlinkDecodeError>({
      id,
      ...(local === undefined ? {} : { local }),
      ...(local6 === undefined ? {} : { local6 }),
      port,
      learning: learning !== undefined && learning !== 0,
      gbp: a.has(IFLA_VXLAN.GBP),
      ...(link === undefined ? {} : { link }),
    });
  });
}
