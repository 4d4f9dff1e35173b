import { formatIp, type Ip } from "../subnet/ip.ts";
import { IFLA, IFLA_INFO, IFLA_VXLAN, RTEXT_FILTER_SKIP_STATS } from "./_attribute-types.ts";
import { attribute, attributeFlag, attributeIp, attributeMac, attributeString, attributeU16be, attributeU32, attributeU8 } from "./_attribute-writer.ts";
import { ByteWriter } from "./_bytes.ts";
import { writeIfInfoMsg } from "./_family-headers.ts";
import { AF, IFF, NLM_F, RTM } from "./constants.ts";
import { decodeLink, type LinkInfo } from "./link-info.ts";
import { linkIndex, linkLabel, type LinkRef } from "./link-ref.ts";
import { formatMac, type Mac } from "./mac.ts";
import type { NetlinkQuery, NetlinkRequest } from "./netlink-request.ts";

/** What {@link newLinkVxlan} creates. */
export interface VxlanLinkSpec {
  readonly name: string;
  /** The VNI, 0 to 2^24 - 1. */
  readonly vni: number;
  /** Source address of encapsulated packets; IPv4 or IPv6 selects the underlay family. */
  readonly local?: Ip;
  /** UDP destination port; the kernel's default (8472) when absent. */
  readonly port?: number;
  /** Learn remote MACs from received packets. Default false (flannel programs the FDB itself). */
  readonly learning?: boolean;
  /** Group Based Policy extension. Default false. */
  readonly gbp?: boolean;
  /** The underlay device. */
  readonly underlay?: LinkRef;
  readonly mtu?: number;
  readonly mac?: Mac;
  /** Bring the device up as it is created. Default: left down. */
  readonly up?: boolean;
}

/** What {@link setLink} changes; absent fields stay as they are. */
export interface LinkChange {
  readonly link: LinkRef;
  readonly up?: boolean;
  readonly mtu?: number;
  readonly mac?: Mac;
}

const CHANGE = NLM_F.REQUEST | NLM_F.ACK;

/**
 * RTM_NEWLINK that creates a VXLAN device (fails with EEXIST when the name
 * is taken), with the attributes `ip link add NAME type vxlan id VNI local
 * IP dstport PORT nolearning [gbp] [dev UNDERLAY]` sends, in its order.
 *
 * @param spec the device
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newLinkVxlan } from "flannel-ts/netlink";
 * import { parseIp4 } from "flannel-ts/subnet";
 * const request = newLinkVxlan({ name: "flannel.1", vni: 1, local: parseIp4("192.0.2.1")._unsafeUnwrap(), port: 8472 });
 * assert.equal(request.description, "add vxlan link flannel.1 id 1 local 192.0.2.1 dstport 8472 nolearning");
 * ```
 */
export function newLinkVxlan(spec: VxlanLinkSpec): NetlinkRequest {
  if (!Number.isInteger(spec.vni) || spec.vni < 0 || spec.vni > 0xffffff) throw new RangeError(`newLinkVxlan: VNI ${spec.vni} is not 0..16777215`);
  const w = new ByteWriter();
  writeIfInfoMsg(w, { family: AF.UNSPEC, type: 0, index: 0, flags: spec.up === true ? IFF.UP : 0, change: spec.up === true ? IFF.UP : 0 });
  attributeString(w, IFLA.IFNAME, spec.name);
  if (spec.mtu !== undefined) attributeU32(w, IFLA.MTU, spec.mtu);
  if (spec.mac !== undefined) attributeMac(w, IFLA.ADDRESS, spec.mac);
  attribute(w, IFLA.LINKINFO, (info) => {
    // iproute2 sends the kind without its NUL; the kernel takes either.
    attribute(info, IFLA_INFO.KIND, (v) => v.bytes(new TextEncoder().encode("vxlan")));
    attribute(info, IFLA_INFO.DATA, (data) => {
      if (spec.gbp === true) attributeFlag(data, IFLA_VXLAN.GBP);
      if (spec.underlay !== undefined) attributeU32(data, IFLA_VXLAN.LINK, linkIndex(spec.underlay));
      attributeU32(data, IFLA_VXLAN.ID, spec.vni);
      if (spec.local !== undefined) attributeIp(data, spec.local.family === 4 ? IFLA_VXLAN.LOCAL : IFLA_VXLAN.LOCAL6, spec.local);
      attributeU8(data, IFLA_VXLAN.LEARNING, spec.learning === true ? 1 : 0);
      if (spec.port !== undefined) attributeU16be(data, IFLA_VXLAN.PORT, spec.port);
    });
  });
  const words = [
    `add vxlan link ${spec.name} id ${spec.vni}`,
    spec.local === undefined ? "" : ` local ${formatIp(spec.local)}`,
    spec.port === undefined ? "" : ` dstport ${spec.port}`,
    spec.learning === true ? " learning" : " nolearning",
    spec.gbp === true ? " gbp" : "",
    spec.underlay === undefined ? "" : ` dev ${linkLabel(spec.underlay)}`,
    spec.mtu === undefined ? "" : ` mtu ${spec.mtu}`,
    spec.mac === undefined ? "" : ` address ${formatMac(spec.mac)}`,
    spec.up === true ? " up" : "",
  ];
  return { type: RTM.NEWLINK, flags: CHANGE | NLM_F.CREATE | NLM_F.EXCL, payload: w.finish(), description: words.join("") };
}

/**
 * RTM_NEWLINK that changes an existing device: up or down, MTU, MAC
 * (`ip link set DEV up mtu N address MAC`).
 *
 * @param change the device and what to change
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { setLink } from "flannel-ts/netlink";
 * assert.equal(setLink({ link: { index: 7, name: "flannel.1" }, up: true, mtu: 1450 }).description, "set link flannel.1 up mtu 1450");
 * ```
 */
export function setLink(change: LinkChange): NetlinkRequest {
  const w = new ByteWriter();
  const up = change.up === undefined ? 0 : IFF.UP;
  writeIfInfoMsg(w, { family: AF.UNSPEC, type: 0, index: linkIndex(change.link), flags: change.up === true ? IFF.UP : 0, change: up });
  if (change.mtu !== undefined) attributeU32(w, IFLA.MTU, change.mtu);
  if (change.mac !== undefined) attributeMac(w, IFLA.ADDRESS, change.mac);
  const words = [
    `set link ${linkLabel(change.link)}`,
    change.up === undefined ? "" : change.up ? " up" : " down",
    change.mtu === undefined ? "" : ` mtu ${change.mtu}`,
    change.mac === undefined ? "" : ` address ${formatMac(change.mac)}`,
  ];
  return { type: RTM.NEWLINK, flags: CHANGE, payload: w.finish(), description: words.join("") };
}

/**
 * RTM_DELLINK: removes a device (and with it its addresses, routes,
 * neighbours and FDB entries).
 *
 * @param link the device
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deleteLink } from "flannel-ts/netlink";
 * assert.equal(deleteLink({ index: 7, name: "flannel.1" }).description, "delete link flannel.1");
 * ```
 */
export function deleteLink(link: LinkRef): NetlinkRequest {
  const w = new ByteWriter();
  writeIfInfoMsg(w, { family: AF.UNSPEC, type: 0, index: linkIndex(link), flags: 0, change: 0 });
  return { type: RTM.DELLINK, flags: CHANGE, payload: w.finish(), description: `delete link ${linkLabel(link)}` };
}

/**
 * RTM_GETLINK dump of every device (without their counters).
 *
 * @returns the query
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dumpLinks, NLM_F } from "flannel-ts/netlink";
 * assert.equal(dumpLinks().flags, NLM_F.REQUEST | NLM_F.DUMP);
 * ```
 */
export function dumpLinks(): NetlinkQuery<LinkInfo> {
  const w = new ByteWriter();
  writeIfInfoMsg(w, { family: AF.UNSPEC, type: 0, index: 0, flags: 0, change: 0 });
  attributeU32(w, IFLA.EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return { type: RTM.GETLINK, flags: NLM_F.REQUEST | NLM_F.DUMP, payload: w.finish(), description: "dump links", decode: decodeLink };
}

/**
 * RTM_GETLINK of one device by name or index; the kernel answers ENODEV
 * when there is none.
 *
 * @param link a name, or an index
 * @returns the query (one reply)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { getLink } from "flannel-ts/netlink";
 * assert.equal(getLink("flannel.1").description, "get link flannel.1");
 * ```
 */
export function getLink(link: string | number): NetlinkQuery<LinkInfo> {
  const w = new ByteWriter();
  writeIfInfoMsg(w, { family: AF.UNSPEC, type: 0, index: typeof link === "number" ? link : 0, flags: 0, change: 0 });
  attributeU32(w, IFLA.EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  if (typeof link === "string") attributeString(w, IFLA.IFNAME, link);
  return { type: RTM.GETLINK, flags: NLM_F.REQUEST, payload: w.finish(), description: `get link ${typeof link === "string" ? link : `ifindex ${link}`}`, decode: decodeLink };
}
