import { err, ok, type Result, safeTry } from "neverthrow";
import { type Cidr, cidr4, cidr6 } from "../subnet/cidr.ts";
import { type Ip, ipEquals } from "../subnet/ip.ts";
import { IFA } from "./_attribute-types.ts";
import { familyOfAf } from "./_family.ts";
import { IFADDRMSG_LENGTH, readIfAddrMsg } from "./_family-headers.ts";
import { offsetError } from "./_offset-error.ts";
import { Attributes } from "./attributes.ts";
import { RTM } from "./constants.ts";
import { malformed, type NetlinkDecodeError } from "./decode-error.ts";
import { type NetlinkMessage, NLMSG_HEADER_LENGTH } from "./netlink-message.ts";

/** An address of a device as RTM_NEWADDR describes it. */
export interface AddressInfo {
  /** The device's index. */
  readonly index: number;
  /** The address and its prefix length, e.g. 10.5.1.0/32. */
  readonly address: Cidr;
  /** RT_SCOPE_* (0 universe, 253 link, 254 host). */
  readonly scope: number;
  /** IFA_F_* flags (the 32-bit IFA_FLAGS when present). */
  readonly flags: number;
  readonly label?: string;
  /** The other end of a point-to-point link, when it differs from the address. */
  readonly peer?: Ip;
}

/**
 * Reads an RTM_NEWADDR (or RTM_DELADDR) message of family AF_INET or
 * AF_INET6.
 *
 * @param message one message of a reply
 * @returns the address, or where the message is truncated or malformed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeAddress, parseMessages } from "flannel-ts/netlink";
 * // 10.5.1.0/32 on ifindex 4, as the kernel dumped it (`ip addr show dev nlv1`; IFA_CACHEINFO left out).
 * const hex = "3c00000014002200004a0f6b390900000220800004000000080001000a050100080002000a050100090003006e6c7631000000000800080080000000";
 * const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
 * const address = decodeAddress(parseMessages(bytes)._unsafeUnwrap()[0]!)._unsafeUnwrap();
 * assert.equal(address.index, 4);
 * assert.equal(address.label, "nlv1");
 * ```
 */
export function decodeAddress(message: NetlinkMessage): Result<AddressInfo, NetlinkDecodeError> {
  const at = message.offset + NLMSG_HEADER_LENGTH;
  if (message.type !== RTM.NEWADDR && message.type !== RTM.DELADDR) {
    return err(malformed("ifaddrmsg", message.offset, `message type ${message.type} is not RTM_NEWADDR or RTM_DELADDR`));
  }
  const p = message.payload;
  return safeTry(function* () {
    const header = yield* readIfAddrMsg(p);
    const family = familyOfAf(header.family);
    if (family === undefined) return err(malformed("ifaddrmsg", 0, `address family ${header.family} is not AF_INET or AF_INET6`));
    if (header.prefixLength > (family === 4 ? 32 : 128)) return err(malformed("ifaddrmsg", 1, `prefix length ${header.prefixLength} is too long for IPv${family}`));
    const a = yield* Attributes.parse(p, IFADDRMSG_LENGTH, p.length);
    const local = yield* a.ip(IFA.LOCAL, "IFA_LOCAL", family);
    const address = yield* a.ip(IFA.ADDRESS, "IFA_ADDRESS", family);
    const own = local ?? address;
    if (own === undefined) return err(malformed("ifaddrmsg", 0, "neither IFA_LOCAL nor IFA_ADDRESS"));
    const label = yield* a.string(IFA.LABEL, "IFA_LABEL");
    const flags = yield* a.u32(IFA.FLAGS, "IFA_FLAGS");
    const peer = local !== undefined && address !== undefined && !ipEquals(local, address) ? address : undefined;
    return ok<AddressInfo, NetlinkDecodeError>({
      index: header.index,
      address: own.family === 4 ? cidr4(own.value, header.prefixLength) : cidr6(own.value, header.prefixLength),
      scope: header.scope,
      flags: flags ?? header.flags,
      ...(label === undefined ? {} : { label }),
      ...(peer === undefined ? {} : { peer }),
    });
  }).mapErr((e) => offsetError(e, at));
}
