/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624),
 * over byte arrays, without allocation: these run once or more per packet.
 */

/**
 * Adds the bytes `bytes[start..end)` as big-endian 16-bit words to `initial`
 * (an odd last byte is padded with zero), without folding the carries. The
 * result stays exact for any packet size (it is a JS number, not a uint32).
 *
 * @param bytes the data
 * @param start first byte
 * @param end one past the last byte
 * @param initial a running sum to continue, e.g. a pseudo-header's
 * @returns the unfolded sum; fold with {@link foldChecksum}
 */
export function onesComplementSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  // Four bytes per round: half the loop overhead of the word loop.
  for (const last = end - 3; i < last; i += 4) {
    sum += ((bytes[i]! << 8) | bytes[i + 1]!) + ((bytes[i + 2]! << 8) | bytes[i + 3]!);
  }
  for (; i + 1 < end; i += 2) sum += (bytes[i]! << 8) | bytes[i + 1]!;
  if (i < end) sum += bytes[i]! << 8;
  return sum;
}

/**
 * Folds the carries of a ones' complement sum into 16 bits.
 *
 * @param sum an unfolded sum from {@link onesComplementSum}
 * @returns the folded sum, 0 to 0xffff (not complemented)
 */
export function foldChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s % 0x10000) + Math.floor(s / 0x10000);
  return s;
}

/**
 * The Internet checksum of `bytes[start..end)`: the ones' complement of the
 * ones' complement sum. Over a header that holds its own correct checksum,
 * the result is 0.
 *
 * @param bytes the data
 * @param start first byte (default 0)
 * @param end one past the last byte (default: the end)
 * @param initial a running sum to include, e.g. a pseudo-header's (default 0)
 * @returns the checksum to store, 0 to 0xffff
 * @example
 * ```ts
 * import { internetChecksum } from "./checksum.ts";
 * // An IPv4 header (192.168.0.1 to 192.168.0.199, UDP) with its checksum field zeroed.
 * const header = Uint8Array.from([0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7]);
 * internetChecksum(header).toString(16); // "b861"
 * ```
 */
export function internetChecksum(bytes: Uint8Array, start = 0, end: number = bytes.length, initial = 0): number {
  return ~foldChecksum(onesComplementSum(bytes, start, end, initial)) & 0xffff;
}

/**
 * Updates a checksum after one 16-bit word of the data changed, with
 * RFC 1624's equation 3, `HC' = ~(~HC + ~m + m')`, which (unlike equation 2)
 * never yields 0xffff for data whose sum is not zero.
 *
 * @param checksum the stored checksum HC
 * @param oldWord the word before the change, m
 * @param newWord the word after the change, m'
 * @returns the new checksum HC'
 * @example
 * ```ts
 * import { updateChecksum16 } from "./checksum.ts";
 * // RFC 1624, section 4: 0xdd2f with 0x5555 changed to 0x3285 becomes 0x0000.
 * updateChecksum16(0xdd2f, 0x5555, 0x3285); // 0
 * ```
 */
export function updateChecksum16(checksum: number, oldWord: number, newWord: number): number {
  let sum = (~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff);
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
