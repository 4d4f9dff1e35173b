import { ok } from "neverthrow";
import { type Cidr, cidrAddress, formatCidr } from "../subnet/cidr.ts";
import { IFA } from "./_attribute-types.ts";
import { attributeIp, attributeU32 } from "./_attribute-writer.ts";
import { ByteWriter } from "./_bytes.ts";
import { afOf, familyOfAf } from "./_family.ts";
import { writeIfAddrMsg } from "./_family-headers.ts";
import { type AddressInfo, decodeAddress } from "./address-info.ts";
import { AF, NLM_F, RTM } from "./constants.ts";
import { linkIndex, linkLabel, type LinkRef } from "./link-ref.ts";
import type { NetlinkQuery, NetlinkRequest } from "./netlink-request.ts";

/** An address to add to or remove from a device. */
export interface AddressSpec {
  readonly link: LinkRef;
  /** The address and its prefix length, e.g. 10.5.1.0/32. */
  readonly address: Cidr;
  /** IFA_F_* flags, e.g. `IFA_F.NODAD` for IPv6 without duplicate detection. Default 0. */
  readonly flags?: number;
  /** RT_SCOPE_*. Default 0 (universe). */
  readonly scope?: number;
}

function addressRequest(type: number, flags: number, verb: string, spec: AddressSpec): NetlinkRequest {
  const w = new ByteWriter();
  const extra = spec.flags ?? 0;
  writeIfAddrMsg(w, { family: afOf(spec.address.family), prefixLength: spec.address.prefix, flags: extra & 0xff, scope: spec.scope ?? 0, index: linkIndex(spec.link) });
  const ip = cidrAddress(spec.address);
  attributeIp(w, IFA.LOCAL, ip);
  attributeIp(w, IFA.ADDRESS, ip);
  if (extra > 0xff) attributeU32(w, IFA.FLAGS, extra);
  return { type, flags, payload: w.finish(), description: `${verb} address ${formatCidr(spec.address)} dev ${linkLabel(spec.link)}` };
}

/**
 * RTM_NEWADDR that adds an address (EEXIST when the device has it), as
 * `ip addr add ADDRESS dev DEVICE` sends it.
 *
 * @param spec the device and the address
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { newAddress } from "flannel-ts/netlink";
 * import { parseCidr } from "flannel-ts/subnet";
 * const request = newAddress({ link: { index: 7, name: "flannel.1" }, address: parseCidr("10.5.1.0/32")._unsafeUnwrap() });
 * assert.equal(request.description, "add address 10.5.1.0/32 dev flannel.1");
 * ```
 */
export function newAddress(spec: AddressSpec): NetlinkRequest {
  return addressRequest(RTM.NEWADDR, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, "add", spec);
}

/**
 * RTM_NEWADDR that adds an address or updates it when present (`ip addr replace`).
 *
 * @param spec the device and the address
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IFA_F, replaceAddress } from "flannel-ts/netlink";
 * import { parseCidr } from "flannel-ts/subnet";
 * const request = replaceAddress({ link: 7, address: parseCidr("fd10:0:0:1::/128")._unsafeUnwrap(), flags: IFA_F.NODAD });
 * assert.equal(request.description, "replace address fd10:0:0:1::/128 dev ifindex 7");
 * ```
 */
export function replaceAddress(spec: AddressSpec): NetlinkRequest {
  return addressRequest(RTM.NEWADDR, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.REPLACE, "replace", spec);
}

/**
 * RTM_DELADDR that removes an address (EADDRNOTAVAIL when the device does not have it).
 *
 * @param spec the device and the address
 * @returns the request
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deleteAddress } from "flannel-ts/netlink";
 * import { parseCidr } from "flannel-ts/subnet";
 * assert.equal(deleteAddress({ link: 7, address: parseCidr("10.5.1.0/32")._unsafeUnwrap() }).description, "delete address 10.5.1.0/32 dev ifindex 7");
 * ```
 */
export function deleteAddress(spec: AddressSpec): NetlinkRequest {
  return addressRequest(RTM.DELADDR, NLM_F.REQUEST | NLM_F.ACK, "delete", spec);
}

/** Which addresses {@link dumpAddresses} keeps. */
export interface AddressFilter {
  /** 4 or 6; both when absent. */
  readonly family?: 4 | 6;
  /** Only this device's. */
  readonly link?: LinkRef;
}

/**
 * RTM_GETADDR dump. The filter goes to the kernel (which applies it when
 * strict checking is on) and is applied again to the replies.
 *
 * @param filter family and device; everything when absent
 * @returns the query
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { dumpAddresses } from "flannel-ts/netlink";
 * assert.equal(dumpAddresses({ family: 6, link: 7 }).description, "dump IPv6 addresses of ifindex 7");
 * ```
 */
export function dumpAddresses(filter: AddressFilter = {}): NetlinkQuery<AddressInfo> {
  const w = new ByteWriter();
  const index = filter.link === undefined ? 0 : linkIndex(filter.link);
  writeIfAddrMsg(w, { family: filter.family === undefined ? AF.UNSPEC : afOf(filter.family), prefixLength: 0, flags: 0, scope: 0, index });
  const description = `dump ${filter.family === undefined ? "" : `IPv${filter.family} `}addresses${filter.link === undefined ? "" : ` of ${linkLabel(filter.link)}`}`;
  return {
    type: RTM.GETADDR,
    flags: NLM_F.REQUEST | NLM_F.DUMP,
    payload: w.finish(),
    description,
    // Families other than IPv4 and IPv6 may share an AF_UNSPEC dump: skipped, not errors.
    decode: (message) =>
      message.payload.length > 0 && familyOfAf(message.payload[0]!) === undefined
        ? ok(undefined)
        : decodeAddress(message).map((a) => ((filter.family === undefined || a.address.family === filter.family) && (index === 0 || a.index === index) ? a : undefined)),
  };
}
