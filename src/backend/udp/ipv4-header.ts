import { err, ok, type Result } from "neverthrow";
import { internetChecksum } from "./checksum.ts";

/** IP protocol number of ICMP. */
export const IPPROTO_ICMP = 1;
/** IP protocol number of TCP. */
export const IPPROTO_TCP = 6;
/** IP protocol number of UDP. */
export const IPPROTO_UDP = 17;
/** Length of an IPv4 header without options, in bytes. */
export const IPV4_MIN_HEADER_LENGTH = 20;

/**
 * The fields of an IPv4 header (RFC 791, section 3.1) that a writer chooses;
 * the header length follows from the options and the checksum is computed.
 */
export interface Ipv4HeaderFields {
  /** Type of service / DSCP and ECN, 0 to 255. */
  readonly tos: number;
  /** Length of the whole packet, header included, in bytes. */
  readonly totalLength: number;
  readonly identification: number;
  /** The three flag bits: 0b010 is Don't Fragment, 0b001 More Fragments. */
  readonly flags: number;
  /** Offset of this fragment in 8-byte units, 0 to 8191. */
  readonly fragmentOffset: number;
  readonly ttl: number;
  readonly protocol: number;
  /** Source address as a 32-bit unsigned integer. */
  readonly source: number;
  /** Destination address as a 32-bit unsigned integer. */
  readonly destination: number;
  /** The option bytes, a multiple of 4 and at most 40 bytes. */
  readonly options: Uint8Array;
}

/** A parsed IPv4 header: the fields, the header length and the checksum as found. */
export interface Ipv4Header extends Ipv4HeaderFields {
  /** Header length in bytes (IHL x 4), 20 to 60. */
  readonly headerLength: number;
  readonly checksum: number;
}

/** What is wrong with bytes that should be one IPv4 packet. */
export type Ipv4Problem = "truncated" | "bad-version" | "bad-header-length" | "bad-total-length" | "bad-checksum";

/** Why bytes are not one well-formed IPv4 packet. */
export interface Ipv4PacketError {
  readonly kind: "invalid-ipv4-packet";
  readonly problem: Ipv4Problem;
  /** The value of the field at fault (for "truncated", the number of bytes). */
  readonly value: number;
  readonly message: string;
}

/**
 * Checks that `bytes[offset..offset+length)` is exactly one IPv4 packet:
 * at least 20 bytes, version 4, a header length from 20 bytes to the packet's
 * length, a total length equal to `length`, and (unless turned off) a header
 * checksum that verifies. Allocates nothing: this runs on every datagram.
 *
 * @param bytes the buffer
 * @param offset where the packet starts
 * @param length how many bytes were received
 * @param verifyChecksum whether to verify the header checksum (default true)
 * @returns the first problem found, or undefined for a well-formed packet
 */
export function checkIpv4Packet(bytes: Uint8Array, offset: number, length: number, verifyChecksum = true): Ipv4Problem | undefined {
  if (length < IPV4_MIN_HEADER_LENGTH) return "truncated";
  const b0 = bytes[offset]!;
  if (b0 >> 4 !== 4) return "bad-version";
  const headerLength = (b0 & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LENGTH || headerLength > length) return "bad-header-length";
  if (((bytes[offset + 2]! << 8) | bytes[offset + 3]!) !== length) return "bad-total-length";
  if (verifyChecksum && internetChecksum(bytes, offset, offset + headerLength) !== 0) return "bad-checksum";
  return undefined;
}

function problemError(bytes: Uint8Array, problem: Ipv4Problem): Ipv4PacketError {
  const totalLength = bytes.length >= 4 ? (bytes[2]! << 8) | bytes[3]! : 0;
  const headerLength = ((bytes[0] ?? 0) & 0x0f) * 4;
  switch (problem) {
    case "truncated":
      return { kind: "invalid-ipv4-packet", problem, value: bytes.length, message: `${bytes.length} bytes are too short for an IPv4 header (20 bytes at least)` };
    case "bad-version":
      return { kind: "invalid-ipv4-packet", problem, value: bytes[0]! >> 4, message: `IP version ${bytes[0]! >> 4} is not 4` };
    case "bad-header-length":
      return { kind: "invalid-ipv4-packet", problem, value: headerLength, message: `IPv4 header length ${headerLength} is not between 20 and the packet length ${bytes.length}` };
    case "bad-total-length":
      return { kind: "invalid-ipv4-packet", problem, value: totalLength, message: `IPv4 total length ${totalLength} does not match the ${bytes.length} bytes of the packet` };
    case "bad-checksum": {
      const checksum = (bytes[10]! << 8) | bytes[11]!;
      return { kind: "invalid-ipv4-packet", problem, value: checksum, message: `IPv4 header checksum 0x${checksum.toString(16).padStart(4, "0")} does not verify` };
    }
  }
}

const u16 = (b: Uint8Array, i: number): number => (b[i]! << 8) | b[i + 1]!;
const u32 = (b: Uint8Array, i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;

/**
 * Parses the header of one whole IPv4 packet (the bytes hold exactly the
 * packet, as a flannel UDP datagram does), after {@link checkIpv4Packet}.
 *
 * @param packet the packet's bytes
 * @returns the header, or an {@link Ipv4PacketError} naming the bad field
 * @example
 * ```ts
 * import { formatIpv4Header, parseIpv4Header } from "./ipv4-header.ts";
 * const header = formatIpv4Header({
 *   tos: 0, totalLength: 20, identification: 1, flags: 0b010, fragmentOffset: 0,
 *   ttl: 64, protocol: 6, source: 0x0a050100, destination: 0x0a050200, options: new Uint8Array(0),
 * });
 * parseIpv4Header(header).map((h) => h.ttl); // ok(64)
 * parseIpv4Header(header.subarray(0, 12)).isErr(); // true: truncated
 * ```
 */
export function parseIpv4Header(packet: Uint8Array): Result<Ipv4Header, Ipv4PacketError> {
  const problem = checkIpv4Packet(packet, 0, packet.length);
  if (problem !== undefined) return err(problemError(packet, problem));
  const headerLength = (packet[0]! & 0x0f) * 4;
  const fragment = u16(packet, 6);
  return ok({
    tos: packet[1]!,
    totalLength: u16(packet, 2),
    identification: u16(packet, 4),
    flags: fragment >> 13,
    fragmentOffset: fragment & 0x1fff,
    ttl: packet[8]!,
    protocol: packet[9]!,
    source: u32(packet, 12),
    destination: u32(packet, 16),
    options: packet.slice(IPV4_MIN_HEADER_LENGTH, headerLength),
    headerLength,
    checksum: u16(packet, 10),
  });
}

function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`formatIpv4Header: ${name} ${value} is not 0..${max}`);
}

/**
 * Writes an IPv4 header (RFC 791) with a correct header checksum.
 *
 * @param fields the header's fields; out-of-range values are a bug and throw
 * @returns the header's bytes (20 + options length)
 */
export function formatIpv4Header(fields: Ipv4HeaderFields): Uint8Array {
  const { options } = fields;
  if (options.length % 4 !== 0 || options.length > 40) throw new RangeError(`formatIpv4Header: ${options.length} option bytes is not a multiple of 4 up to 40`);
  checkRange("tos", fields.tos, 0xff);
  checkRange("totalLength", fields.totalLength, 0xffff);
  checkRange("identification", fields.identification, 0xffff);
  checkRange("flags", fields.flags, 7);
  checkRange("fragmentOffset", fields.fragmentOffset, 0x1fff);
  checkRange("ttl", fields.ttl, 0xff);
  checkRange("protocol", fields.protocol, 0xff);
  checkRange("source", fields.source, 0xffffffff);
  checkRange("destination", fields.destination, 0xffffffff);
  const headerLength = IPV4_MIN_HEADER_LENGTH + options.length;
  const out = new Uint8Array(headerLength);
  const view = new DataView(out.buffer);
  out[0] = 0x40 | (headerLength / 4);
  out[1] = fields.tos;
  view.setUint16(2, fields.totalLength);
  view.setUint16(4, fields.identification);
  view.setUint16(6, (fields.flags << 13) | fields.fragmentOffset);
  out[8] = fields.ttl;
  out[9] = fields.protocol;
  view.setUint32(12, fields.source);
  view.setUint32(16, fields.destination);
  out.set(options, IPV4_MIN_HEADER_LENGTH);
  view.setUint16(10, internetChecksum(out));
  return out;
}
