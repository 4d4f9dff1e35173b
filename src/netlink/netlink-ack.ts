import { err, ok, type Result } from "neverthrow";
import { align4, i32, u32 } from "./_bytes.ts";
import { offsetError } from "./_offset-error.ts";
import { NLMSGERR_ATTR } from "./_attribute-types.ts";
import { errnoSymbol } from "../libc/errno-name.ts";
import { Attributes } from "./attributes.ts";
import { NLM_F, NLMSG } from "./constants.ts";
import { malformed, type NetlinkDecodeError, truncated } from "./decode-error.ts";
import { encodeMessage, type NetlinkHeader, type NetlinkMessage, NLMSG_HEADER_LENGTH, readHeader } from "./netlink-message.ts";

/** What an NLMSG_ERROR message says: success (an ACK) or an errno, for which request. */
export interface NetlinkAck {
  /** 0 for an ACK, else the positive errno value. */
  readonly errno: number;
  /** The errno's symbol, e.g. "EEXIST"; absent for an ACK. */
  readonly errnoName?: string;
  /** The header of the request this answers (its `seq` matches it to the request). */
  readonly request: NetlinkHeader;
  /** The kernel's explanation (extended ACK), e.g. "Nexthop has invalid gateway". */
  readonly kernelMessage?: string;
}

/**
 * Reads an NLMSG_ERROR message: `struct nlmsgerr` (a negative errno or 0,
 * then the request's header and, unless capped, the rest of the request),
 * then the extended ACK attributes when NLM_F_ACK_TLVS is set.
 *
 * @param message a message of type NLMSG_ERROR
 * @returns the ACK or error, or where the message is truncated or malformed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeAck, parseMessages } from "flannel-ts/netlink";
 * // The kernel's EEXIST for `ip route add` (sequence number 5), capped (NETLINK_CAP_ACK).
 * const hex = "2400000002000001050000000000000" + "0efffffff" + "3400000018000506050000000000000" + "0";
 * const bytes = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
 * const ack = decodeAck(parseMessages(bytes)._unsafeUnwrap()[0]!)._unsafeUnwrap();
 * assert.equal(ack.errnoName, "EEXIST");
 * assert.equal(ack.request.seq, 5);
 * ```
 */
export function decodeAck(message: NetlinkMessage): Result<NetlinkAck, NetlinkDecodeError> {
  const at = message.offset + NLMSG_HEADER_LENGTH;
  if (message.type !== NLMSG.ERROR) return err(malformed("nlmsgerr", message.offset, `message type ${message.type} is not NLMSG_ERROR (${NLMSG.ERROR})`));
  const p = message.payload;
  if (p.length < 4 + NLMSG_HEADER_LENGTH) return err(truncated("nlmsgerr", at, 4 + NLMSG_HEADER_LENGTH, p.length));
  const code = i32(p, 0);
  if (code > 0) return err(malformed("nlmsgerr", at, `error ${code} is positive (expected 0 or a negative errno)`));
  const request = readHeader(p, 4);
  if (request.isErr()) return err(request.error);
  const requestLength = u32(p, 4);
  const echoEnd = (message.flags & NLM_F.CAPPED) !== 0 ? 4 + NLMSG_HEADER_LENGTH : 4 + align4(requestLength);
  const errno = code === 0 ? 0 : -code;
  const base = { errno, ...(errno === 0 ? {} : { errnoName: errnoSymbol(errno) }), request: request.value };
  if ((message.flags & NLM_F.ACK_TLVS) === 0) return ok(base);
  if (echoEnd > p.length) return err(truncated("request echoed in nlmsgerr", at + 4, echoEnd - 4, p.length - 4));
  return Attributes.parse(p, echoEnd, p.length)
    .andThen((tlvs) => tlvs.string(NLMSGERR_ATTR.MSG, "NLMSGERR_ATTR_MSG"))
    .map((text): NetlinkAck => (text === undefined ? base : { ...base, kernelMessage: text }))
    .mapErr((e) => offsetError(e, at));
}

/**
 * Writes the kernel's answer to a request: an ACK (errno 0) or an error,
 * capped (the request's header only), as a socket with NETLINK_CAP_ACK
 * receives it. For stand-in kernels in tests.
 *
 * @param request the header of the request answered
 * @param errno 0 for an ACK, else the positive errno
 * @returns the NLMSG_ERROR message
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeAck, encodeAck, parseMessages, RTM } from "flannel-ts/netlink";
 * const bytes = encodeAck({ type: RTM.NEWROUTE, flags: 0x505, seq: 3, pid: 0 }, 101);
 * assert.equal(decodeAck(parseMessages(bytes)._unsafeUnwrap()[0]!)._unsafeUnwrap().errnoName, "ENETUNREACH");
 * ```
 */
export function encodeAck(request: NetlinkHeader, errno: number): Uint8Array {
  const payload = new Uint8Array(4 + NLMSG_HEADER_LENGTH);
  const view = new DataView(payload.buffer);
  view.setInt32(0, -errno, true);
  view.setUint32(4, NLMSG_HEADER_LENGTH, true);
  view.setUint16(8, request.type, true);
  view.setUint16(10, request.flags, true);
  view.setUint32(12, request.seq, true);
  view.setUint32(16, request.pid, true);
  return encodeMessage({ type: NLMSG.ERROR, flags: NLM_F.CAPPED, seq: request.seq, pid: request.pid }, payload);
}
