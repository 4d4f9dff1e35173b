import { updateChecksum16 } from "./checksum.ts";

/**
 * Decrements the TTL of the IPv4 header at `offset` and patches its header
 * checksum incrementally (RFC 1624, equation 3) instead of recomputing it,
 * as a router does (RFC 1812, section 5.3.1). A packet whose TTL would reach
 * 0 is left unchanged: the caller drops it.
 *
 * @param bytes the buffer holding the header
 * @param offset where the IPv4 header starts
 * @returns false when the TTL was 0 or 1 (the packet must be dropped)
 * @example
 * ```ts
 * import { decrementTtl } from "./decrement-ttl.ts";
 * import { formatIpv4Header } from "./ipv4-header.ts";
 * const header = formatIpv4Header({
 *   tos: 0, totalLength: 20, identification: 0, flags: 0, fragmentOffset: 0,
 *   ttl: 64, protocol: 1, source: 0x0a050100, destination: 0x0a050200, options: new Uint8Array(0),
 * });
 * decrementTtl(header, 0); // true
 * header[8]; // 63
 * ```
 */
export function decrementTtl(bytes: Uint8Array, offset: number): boolean {
  const ttl = bytes[offset + 8]!;
  if (ttl <= 1) return false;
  const protocol = bytes[offset + 9]!;
  const checksum = (bytes[offset + 10]! << 8) | bytes[offset + 11]!;
  const updated = updateChecksum16(checksum, (ttl << 8) | protocol, ((ttl - 1) << 8) | protocol);
  bytes[offset + 8] = ttl - 1;
  bytes[offset + 10] = updated >> 8;
  bytes[offset + 11] = updated & 0xff;
  return true;
}
