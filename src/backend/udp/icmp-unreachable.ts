import { internetChecksum } from "./checksum.ts";
import { IPPROTO_ICMP, IPV4_MIN_HEADER_LENGTH } from "./ipv4-header.ts";

/** TTL of the ICMP messages the engine writes (they only travel inside the host). */
export const ICMP_TTL = 64;
/** The most bytes {@link writeNetUnreachable} writes: IPv4 20 + ICMP 8 + the offender's header (up to 60) + 8. */
export const NET_UNREACHABLE_MAX_LENGTH = 96;

// ICMP types that are queries, not errors (RFC 792, RFC 1256): echo reply and
// request, router advertisement and solicitation, timestamp, information and
// address mask requests and replies. RFC 1122 (3.2.2) forbids an ICMP error
// about an ICMP error; a query may get one, which is what makes ping print
// "Destination Net Unreachable".
const ICMP_QUERY_TYPES = new Set([0, 8, 9, 10, 13, 14, 15, 16, 17, 18]);

/** No ICMP errors about packets from or to addresses that are not one host (RFC 1812, 4.3.2.7). */
function isUnicast(address: number): boolean {
  const first = address >>> 24;
  return address !== 0 && first !== 127 && first < 224;
}

/**
 * Writes an ICMP Destination Unreachable, code 0 "net unreachable" (RFC 792)
 * about the IPv4 packet `offender`, addressed to the offender's source, from
 * `source` (the TUN's address). Like flanneld, it quotes the offender's
 * header and the first 8 bytes of its payload and sends nothing for a
 * non-first fragment; unlike flanneld, which never answers ICMP, it answers
 * ICMP queries such as echo requests (never ICMP errors, RFC 1122), and
 * nothing about packets from or to a multicast, broadcast, loopback or zero
 * address.
 *
 * @param offender the buffer holding the packet that had no route
 * @param offset where that packet starts
 * @param length its length in bytes
 * @param source the ICMP message's source address (uint32)
 * @param out where to write the message (at least {@link NET_UNREACHABLE_MAX_LENGTH} bytes from `outOffset`)
 * @param outOffset where the message starts in `out`
 * @returns the message's length, or 0 when no message is due
 */
export function writeNetUnreachable(offender: Uint8Array, offset: number, length: number, source: number, out: Uint8Array, outOffset: number): number {
  if (length < IPV4_MIN_HEADER_LENGTH || offender[offset]! >> 4 !== 4) return 0;
  const headerLength = (offender[offset]! & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER_LENGTH || headerLength > length) return 0;
  if ((((offender[offset + 6]! << 8) | offender[offset + 7]!) & 0x1fff) !== 0) return 0;
  if (offender[offset + 9] === IPPROTO_ICMP) {
    if (headerLength >= length || !ICMP_QUERY_TYPES.has(offender[offset + headerLength]!)) return 0;
  }
  const offenderSource = ((offender[offset + 12]! << 24) | (offender[offset + 13]! << 16) | (offender[offset + 14]! << 8) | offender[offset + 15]!) >>> 0;
  const offenderDestination = ((offender[offset + 16]! << 24) | (offender[offset + 17]! << 16) | (offender[offset + 18]! << 8) | offender[offset + 19]!) >>> 0;
  if (!isUnicast(offenderSource) || !isUnicast(offenderDestination) || offenderDestination === 0xffffffff) return 0;

  const quoted = Math.min(length, headerLength + 8);
  const total = IPV4_MIN_HEADER_LENGTH + 8 + quoted;
  const o = outOffset;
  out.fill(0, o, o + IPV4_MIN_HEADER_LENGTH + 8);
  out[o] = 0x45;
  out[o + 2] = total >> 8;
  out[o + 3] = total & 0xff;
  out[o + 8] = ICMP_TTL;
  out[o + 9] = IPPROTO_ICMP;
  out[o + 12] = source >>> 24;
  out[o + 13] = (source >>> 16) & 0xff;
  out[o + 14] = (source >>> 8) & 0xff;
  out[o + 15] = source & 0xff;
  out.set(offender.subarray(offset + 12, offset + 16), o + 16);
  const ipChecksum = internetChecksum(out, o, o + IPV4_MIN_HEADER_LENGTH);
  out[o + 10] = ipChecksum >> 8;
  out[o + 11] = ipChecksum & 0xff;
  const icmp = o + IPV4_MIN_HEADER_LENGTH;
  out[icmp] = 3; // destination unreachable
  out[icmp + 1] = 0; // net unreachable
  out.set(offender.subarray(offset, offset + quoted), icmp + 8);
  const icmpChecksum = internetChecksum(out, icmp, o + total);
  out[icmp + 2] = icmpChecksum >> 8;
  out[icmp + 3] = icmpChecksum & 0xff;
  return total;
}

/**
 * Builds the ICMP net unreachable message about `offender` as a new array;
 * see {@link writeNetUnreachable} for when none is due.
 *
 * @param offender one whole IPv4 packet
 * @param source the message's source address (uint32), the TUN's address
 * @returns the ICMP packet (IPv4 header included), or undefined when none is due
 * @example
 * ```ts
 * import { buildNetUnreachable } from "./icmp-unreachable.ts";
 * import { formatIpv4Header } from "./ipv4-header.ts";
 * // A TCP SYN header from 10.5.1.2 to 10.9.0.1, which has no route.
 * const syn = new Uint8Array(40);
 * syn.set(formatIpv4Header({
 *   tos: 0, totalLength: 40, identification: 7, flags: 0b010, fragmentOffset: 0,
 *   ttl: 64, protocol: 6, source: 0x0a050102, destination: 0x0a090001, options: new Uint8Array(0),
 * }));
 * buildNetUnreachable(syn, 0x0a050100)?.length; // 56: IPv4 20 + ICMP 8 + 20 + 8
 * ```
 */
export function buildNetUnreachable(offender: Uint8Array, source: number): Uint8Array | undefined {
  const out = new Uint8Array(NET_UNREACHABLE_MAX_LENGTH);
  const length = writeNetUnreachable(offender, 0, offender.length, source, out, 0);
  return length === 0 ? undefined : out.slice(0, length);
}
