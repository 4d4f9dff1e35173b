import { ok } from "neverthrow";
import { formatIp, type Ip } from "../subnet/ip.ts";
import { NDA } from "./_attribute-types.ts";
import { attributeIp, attributeMac } from "./_attribute-writer.ts";
import { ByteWriter } from "./_bytes.ts";
import { writeNdMsg } from "./_family-headers.ts";
import { AF, NLM_F, NTF, NUD, RTM } from "./constants.ts";
import { decodeFdbEntry, type FdbEntry } from "./fdb-entry.ts";
import { linkIndex, linkLabel, type LinkRef } from "./link-ref.ts";
import { formatMac, type Mac } from "./mac.ts";
import type { NetlinkQuery, NetlinkRequest } from "./netlink-request.ts";

/** An FDB entry to set: frames for `mac` go to the VTEP `dst`. */
export interface FdbSpec {
  readonly link: LinkRef;
  readonly mac: Mac;
  /** The remote VTEP, IPv4 or IPv6. */
  readonly dst: Ip;
  /** NUD_* state. Default `NUD.PERMANENT`. */
  readonly state?: number;
  /** NTF_* flags. Default `NTF.SELF` (the VXLAN device's own table). */
  readonly flags?: number;
}

/** An FDB entry to remove; without `dst`, every remote of `mac` goes. */
export interface FdbKey {
  readonly link: LinkRef;
  readonly mac: Mac;
  readonly dst?: Ip;
  /** NUD_* state sent with the request. Default `NUD.PERMANENT`. */
  readonly state?: number;
  /** NTF_* flags. Default `NTF.SELF`. */
  readonly flags?: number;
}

function fdbPayload(key: FdbKey): Uint8Array {
  const w = new ByteWriter();
  writeNdMsg(w, { family: AF.BRIDGE, index: linkIndex(key.link), state: key.state ?? NUD.PERMANENT, flags: key.flags ?? NTF.SELF, type: 0 });
  attributeMac(w, NDA.LLADDR, key.mac);
  if (key.dst !== undefined) attributeIp(w, NDA.DST, key.dst);
  return w.finish();
}

function fdbWords(key: FdbKey): string {
  return `${formatMac(key.mac)} dev ${linkLabel(key.link)}${key.dst === undefined ? "" : ` dst ${formatIp(key.dst)}`}`;
}

/**
 * RTM_NEWNEIGH (AF_BRIDGE) with NLM_F_REPLACE: the VXLAN device sends
 * frames for `mac` to `dst` (`bridge fdb replace MAC dev DEVICE dst IP self
 * permanent`); flannel does this for every peer's VtepMAC.
 *
 * @param spec the entry
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMac, replaceFdb } from "flannel-ts/netlink";
 * import { parseIp } from "flannel-ts/subnet";
 * const request = replaceFdb({ link: { index: 7, name: "flannel.1" }, mac: parseMac("be:45:e5:5e:b1:4e")._unsafeUnwrap(), dst: parseIp("192.0.2.2")._unsafeUnwrap() });
 * assert.equal(request.description, "replace fdb be:45:e5:5e:b1:4e dev flannel.1 dst 192.0.2.2");
 * ```
 */
export function replaceFdb(spec: FdbSpec): NetlinkRequest {
  return { type: RTM.NEWNEIGH, flags: NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.REPLACE, payload: fdbPayload(spec), description: `replace fdb ${fdbWords(spec)}` };
}

/**
 * RTM_NEWNEIGH (AF_BRIDGE) with NLM_F_APPEND: adds one more remote for
 * `mac` (`bridge fdb append`), e.g. several VTEPs for the all-zeros MAC.
 *
 * @param spec the entry
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { appendFdb, mac } from "flannel-ts/netlink";
 * import { parseIp } from "flannel-ts/subnet";
 * assert.equal(appendFdb({ link: 7, mac: mac(0), dst: parseIp("192.0.2.3")._unsafeUnwrap() }).description, "append fdb 00:00:00:00:00:00 dev ifindex 7 dst 192.0.2.3");
 * ```
 */
export function appendFdb(spec: FdbSpec): NetlinkRequest {
  return { type: RTM.NEWNEIGH, flags: NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.APPEND, payload: fdbPayload(spec), description: `append fdb ${fdbWords(spec)}` };
}

/**
 * RTM_DELNEIGH (AF_BRIDGE): removes an FDB entry, or one remote of it when
 * `dst` is given (ENOENT when absent).
 *
 * @param key the device, the MAC and optionally the remote
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deleteFdb, parseMac } from "flannel-ts/netlink";
 * assert.equal(deleteFdb({ link: 7, mac: parseMac("be:45:e5:5e:b1:4e")._unsafeUnwrap() }).description, "delete fdb be:45:e5:5e:b1:4e dev ifindex 7");
 * ```
 */
export function deleteFdb(key: FdbKey): NetlinkRequest {
  return { type: RTM.DELNEIGH, flags: NLM_F.REQUEST | NLM_F.ACK, payload: fdbPayload(key), description: `delete fdb ${fdbWords(key)}` };
}

/**
 * RTM_GETNEIGH (AF_BRIDGE) dump of FDB entries. The device goes to the
 * kernel (`ndm_ifindex`, applied there when strict checking is on) and is
 * applied again to the replies; without one, every device's entries come,
 * including the multicast addresses of ordinary devices.
 *
 * @param filter the device
 * @returns the query
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dumpFdb } from "flannel-ts/netlink";
 * assert.equal(dumpFdb({ link: 7 }).description, "dump fdb of ifindex 7");
 * ```
 */
export function dumpFdb(filter: { readonly link?: LinkRef } = {}): NetlinkQuery<FdbEntry> {
  const w = new ByteWriter();
  const index = filter.link === undefined ? undefined : linkIndex(filter.link);
  writeNdMsg(w, { family: AF.BRIDGE, index: index ?? 0, state: 0, flags: 0, type: 0 });
  return {
    type: RTM.GETNEIGH,
    flags: NLM_F.REQUEST | NLM_F.DUMP,
    payload: w.finish(),
    description: `dump fdb${filter.link === undefined ? "" : ` of ${linkLabel(filter.link)}`}`,
    decode: (message) =>
      message.payload.length > 0 && message.payload[0] !== AF.BRIDGE
        ? ok(undefined)
        : decodeFdbEntry(message).map((e) => (index === undefined || e.index === index ? e : undefined)),
  };
}
