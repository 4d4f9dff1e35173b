import { ok } from "neverthrow";
import { formatIp, type Ip } from "../subnet/ip.ts";
import { NDA } from "./_attribute-types.ts";
import { attributeIp, attributeMac, attributeU32 } from "./_attribute-writer.ts";
import { ByteWriter } from "./_bytes.ts";
import { afOf, familyOfAf } from "./_family.ts";
import { writeNdMsg } from "./_family-headers.ts";
import { AF, NLM_F, NUD, RTM } from "./constants.ts";
import { linkIndex, linkLabel, type LinkRef } from "./link-ref.ts";
import { formatMac, type Mac } from "./mac.ts";
import { decodeNeighbour, type NeighbourInfo } from "./neighbour-info.ts";
import type { NetlinkQuery, NetlinkRequest } from "./netlink-request.ts";

/** A neighbour entry to set. */
export interface NeighbourSpec {
  readonly link: LinkRef;
  readonly ip: Ip;
  readonly mac: Mac;
  /** NUD_* state. Default `NUD.PERMANENT` (never expires, never probed). */
  readonly state?: number;
  /** NTF_* flags. Default 0. */
  readonly flags?: number;
}

/** A neighbour entry to remove. */
export interface NeighbourKey {
  readonly link: LinkRef;
  readonly ip: Ip;
}

function neighbourPayload(link: LinkRef, ip: Ip, state: number, flags: number, mac: Mac | undefined): Uint8Array {
  const w = new ByteWriter();
  writeNdMsg(w, { family: afOf(ip.family), index: linkIndex(link), state, flags, type: 0 });
  attributeIp(w, NDA.DST, ip);
  if (mac !== undefined) attributeMac(w, NDA.LLADDR, mac);
  return w.finish();
}

function stateWord(state: number): string {
  return state === NUD.PERMANENT ? " nud permanent" : state === NUD.NOARP ? " nud noarp" : state === NUD.REACHABLE ? " nud reachable" : ` nud 0x${state.toString(16)}`;
}

/**
 * RTM_NEWNEIGH with NLM_F_REPLACE: sets the link-layer address of a
 * neighbour (`ip neigh replace IP lladdr MAC dev DEVICE nud permanent`);
 * flannel's VXLAN backend does this for every peer's VTEP address.
 *
 * @param spec the entry
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMac, replaceNeighbour } from "flannel-ts/netlink";
 * import { parseIp } from "flannel-ts/subnet";
 * const request = replaceNeighbour({ link: { index: 7, name: "flannel.1" }, ip: parseIp("10.5.2.0")._unsafeUnwrap(), mac: parseMac("be:45:e5:5e:b1:4e")._unsafeUnwrap() });
 * assert.equal(request.description, "replace neighbour 10.5.2.0 lladdr be:45:e5:5e:b1:4e dev flannel.1 nud permanent");
 * ```
 */
export function replaceNeighbour(spec: NeighbourSpec): NetlinkRequest {
  const state = spec.state ?? NUD.PERMANENT;
  return {
    type: RTM.NEWNEIGH,
    flags: NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.REPLACE,
    payload: neighbourPayload(spec.link, spec.ip, state, spec.flags ?? 0, spec.mac),
    description: `replace neighbour ${formatIp(spec.ip)} lladdr ${formatMac(spec.mac)} dev ${linkLabel(spec.link)}${stateWord(state)}`,
  };
}

/**
 * RTM_DELNEIGH (ENOENT when there is no such entry), as `ip neigh del IP dev DEVICE` sends it.
 *
 * @param key the device and the address
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deleteNeighbour } from "flannel-ts/netlink";
 * import { parseIp } from "flannel-ts/subnet";
 * assert.equal(deleteNeighbour({ link: 7, ip: parseIp("10.5.2.0")._unsafeUnwrap() }).description, "delete neighbour 10.5.2.0 dev ifindex 7");
 * ```
 */
export function deleteNeighbour(key: NeighbourKey): NetlinkRequest {
  return {
    type: RTM.DELNEIGH,
    flags: NLM_F.REQUEST | NLM_F.ACK,
    payload: neighbourPayload(key.link, key.ip, NUD.PERMANENT, 0, undefined),
    description: `delete neighbour ${formatIp(key.ip)} dev ${linkLabel(key.link)}`,
  };
}

/** Which entries {@link dumpNeighbours} keeps. */
export interface NeighbourFilter {
  /** 4 or 6; both when absent. */
  readonly family?: 4 | 6;
  /** Only this device's. */
  readonly link?: LinkRef;
}

/**
 * RTM_GETNEIGH dump of ARP and NDP entries. The device goes to the kernel
 * (`NDA_IFINDEX`, applied there when strict checking is on) and is applied
 * again to the replies.
 *
 * @param filter family and device
 * @returns the query
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dumpNeighbours } from "flannel-ts/netlink";
 * assert.equal(dumpNeighbours({ family: 4, link: 7 }).description, "dump IPv4 neighbours of ifindex 7");
 * ```
 */
export function dumpNeighbours(filter: NeighbourFilter = {}): NetlinkQuery<NeighbourInfo> {
  const w = new ByteWriter();
  const index = filter.link === undefined ? undefined : linkIndex(filter.link);
  writeNdMsg(w, { family: filter.family === undefined ? AF.UNSPEC : afOf(filter.family), index: 0, state: 0, flags: 0, type: 0 });
  if (index !== undefined) attributeU32(w, NDA.IFINDEX, index);
  const description = `dump ${filter.family === undefined ? "" : `IPv${filter.family} `}neighbours${filter.link === undefined ? "" : ` of ${linkLabel(filter.link)}`}`;
  return {
    type: RTM.GETNEIGH,
    flags: NLM_F.REQUEST | NLM_F.DUMP,
    payload: w.finish(),
    description,
    decode: (message) => {
      // An AF_UNSPEC dump may carry other families' tables: skipped, not errors.
      if (message.payload.length > 0) {
        const family = familyOfAf(message.payload[0]!);
        if (family === undefined || (filter.family !== undefined && family !== filter.family)) return ok(undefined);
      }
      return decodeNeighbour(message).map((n) => (index === undefined || n.index === index ? n : undefined));
    },
  };
}
