import { err, ok, type Result } from "neverthrow";
import { align4, u16, u32 } from "./_bytes.ts";
import { malformed, type NetlinkDecodeError, truncated } from "./decode-error.ts";

/** Bytes of `struct nlmsghdr`. */
export const NLMSG_HEADER_LENGTH = 16;

/** The header fields of one netlink message. */
export interface NetlinkHeader {
  readonly type: number;
  readonly flags: number;
  readonly seq: number;
  /** The sender's port id (0 from the kernel's point of view is the kernel). */
  readonly pid: number;
}

/** One message of a datagram: its header and a view of its payload. */
export interface NetlinkMessage extends NetlinkHeader {
  /** The bytes after the header, up to `nlmsg_len` (a view into the datagram). */
  readonly payload: Uint8Array;
  /** Where the message starts in the datagram, for error positions. */
  readonly offset: number;
}

/**
 * Splits a datagram from a netlink socket into its messages (each
 * `nlmsg_len` long, the next one 4-byte aligned). Lengths are checked; the
 * payloads are not read here.
 *
 * @param datagram what one recvmsg returned
 * @returns the messages in order, or where the datagram is truncated or malformed
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NLMSG, parseMessages } from "flannel-ts/netlink";
 * // NLMSG_DONE of a dump with sequence number 7, as the kernel sends it.
 * const done = new Uint8Array([20, 0, 0, 0, 3, 0, 2, 0, 7, 0, 0, 0, 0x39, 0x09, 0, 0, 0, 0, 0, 0]);
 * const [message] = parseMessages(done)._unsafeUnwrap();
 * assert.equal(message?.type, NLMSG.DONE);
 * assert.equal(message?.seq, 7);
 * ```
 */
export function parseMessages(datagram: Uint8Array): Result<NetlinkMessage[], NetlinkDecodeError> {
  const messages: NetlinkMessage[] = [];
  let at = 0;
  while (at < datagram.length) {
    const left = datagram.length - at;
    if (left < NLMSG_HEADER_LENGTH) return err(truncated("nlmsghdr", at, NLMSG_HEADER_LENGTH, left));
    const length = u32(datagram, at);
    if (length < NLMSG_HEADER_LENGTH) return err(malformed("nlmsghdr", at, `nlmsg_len ${length} is below ${NLMSG_HEADER_LENGTH}`));
    if (length > left) return err(truncated(`message of type ${u16(datagram, at + 4)}`, at, length, left));
    messages.push({
      type: u16(datagram, at + 4),
      flags: u16(datagram, at + 6),
      seq: u32(datagram, at + 8),
      pid: u32(datagram, at + 12),
      payload: datagram.subarray(at + NLMSG_HEADER_LENGTH, at + length),
      offset: at,
    });
    at += Math.min(align4(length), left);
  }
  return ok(messages);
}

/**
 * Reads a message header at an offset (for the request echoed inside an
 * error message).
 *
 * @param bytes the bytes
 * @param offset where the header starts
 * @returns the header, or a truncation error
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readHeader } from "flannel-ts/netlink";
 * const header = new Uint8Array([36, 0, 0, 0, 24, 0, 5, 5, 9, 0, 0, 0, 0, 0, 0, 0]);
 * assert.deepEqual(readHeader(header, 0)._unsafeUnwrap(), { type: 24, flags: 0x505, seq: 9, pid: 0 });
 * ```
 */
export function readHeader(bytes: Uint8Array, offset: number): Result<NetlinkHeader, NetlinkDecodeError> {
  if (bytes.length - offset < NLMSG_HEADER_LENGTH) return err(truncated("nlmsghdr", offset, NLMSG_HEADER_LENGTH, Math.max(0, bytes.length - offset)));
  return ok({ type: u16(bytes, offset + 4), flags: u16(bytes, offset + 6), seq: u32(bytes, offset + 8), pid: u32(bytes, offset + 12) });
}

/**
 * Writes one message: the header (with `nlmsg_len`) and the payload.
 *
 * @param header type, flags, sequence number and port id
 * @param payload the family header and attributes
 * @returns the message bytes
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMessage, NLM_F, RTM } from "flannel-ts/netlink";
 * const bytes = encodeMessage({ type: RTM.GETLINK, flags: NLM_F.REQUEST | NLM_F.DUMP, seq: 1, pid: 0 }, new Uint8Array(16));
 * assert.equal(bytes.length, 32);
 * assert.equal(bytes[0], 32);
 * ```
 */
export function encodeMessage(header: NetlinkHeader, payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(NLMSG_HEADER_LENGTH + payload.length);
  writeHeader(bytes, 0, header, bytes.length);
  bytes.set(payload, NLMSG_HEADER_LENGTH);
  return bytes;
}

/**
 * Writes a message header into a buffer (the batch layer packs many
 * messages into one send buffer this way).
 *
 * @param bytes the buffer
 * @param offset where the header goes
 * @param header its fields
 * @param length `nlmsg_len`: header plus payload
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMessages, RTM, writeHeader } from "flannel-ts/netlink";
 * const datagram = new Uint8Array(32);
 * writeHeader(datagram, 0, { type: RTM.GETLINK, flags: 1, seq: 5, pid: 0 }, 16);
 * writeHeader(datagram, 16, { type: RTM.GETLINK, flags: 1, seq: 6, pid: 0 }, 16);
 * assert.deepEqual(parseMessages(datagram)._unsafeUnwrap().map((m) => m.seq), [5, 6]);
 * ```
 */
export function writeHeader(bytes: Uint8Array, offset: number, header: NetlinkHeader, length: number): void {
  const put32 = (at: number, v: number): void => {
    bytes[at] = v & 0xff;
    bytes[at + 1] = (v >>> 8) & 0xff;
    bytes[at + 2] = (v >>> 16) & 0xff;
    bytes[at + 3] = (v >>> 24) & 0xff;
  };
  put32(offset, length);
  bytes[offset + 4] = header.type & 0xff;
  bytes[offset + 5] = header.type >>> 8;
  bytes[offset + 6] = header.flags & 0xff;
  bytes[offset + 7] = header.flags >>> 8;
  put32(offset + 8, header.seq);
  put32(offset + 12, header.pid);
}
