/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624),
 * over byte arrays, without allocation: these run once or more per packet.
 */

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
// A 32-bit view of the last buffer summed: the engine sums in a handful of
// buffers, so this is rebuilt rarely.
let wordsBuffer: ArrayBufferLike | undefined;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/**
 * Adds the bytes `bytes[start..end)` as big-endian 16-bit words to `initial`
 * (an odd last byte is padded with zero), without folding all the carries.
 * The result is congruent to the sum modulo 0xffff, is zero only when the
 * sum is, and stays exact for any packet size (a JS number, not a uint32);
 * fold it with {@link foldChecksum}.
 *
 * Long ranges are summed four bytes at a time through a Uint32Array view in
 * the machine's byte order: the ones' complement sum does not depend on
 * byte order except for a swap of its two bytes (RFC 1071, 2(B)).
 *
 * @param bytes the data
 * @param start first byte
 * @param end one past the last byte
 * @param initial a running sum to continue, e.g. a pseudo-header's
 * @returns the sum, to fold with {@link foldChecksum}
 */
export function onesComplementSum(bytes: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  if (end - start >= 64) {
    // Big-endian words up to a 4-byte boundary of the underlying buffer.
    const base = bytes.byteOffset;
    while (((base + i) & 3) !== 0) {
      sum += ((i - start) & 1) === 0 ? bytes[i]! << 8 : bytes[i]!;
      i++;
    }
    if (bytes.buffer !== wordsBuffer) {
      wordsBuffer = bytes.buffer;
      words = new Uint32Array(bytes.buffer, 0, Math.floor(bytes.buffer.byteLength / 4));
    }
    const view = words;
    const first = (base + i) >>> 2;
    const count = (end - i) >>> 2;
    let wide = 0;
    // Two 16-bit halves in int32 accumulators (no overflow within a chunk
    // of 2^15 words), which the JIT keeps in registers.
    for (let chunk = first, last = first + count; chunk < last; chunk += 0x8000) {
      let low = 0;
      let high = 0;
      for (let w = chunk, stop = Math.min(last, chunk + 0x8000); w < stop; w++) {
        const v = view[w]!;
        low = (low + (v & 0xffff)) | 0;
        high = (high + (v >>> 16)) | 0;
      }
      wide += (low >>> 0) + (high >>> 0);
    }
    let folded = wide;
    while (folded > 0xffff) folded = (folded % 0x10000) + Math.floor(folded / 0x10000);
    // On a little-endian machine, words that start at an even distance from
    // `start` come out byte-swapped; at an odd distance, the shift undoes it.
    const swap = LITTLE_ENDIAN === (((i - start) & 1) === 0);
    sum += swap ? ((folded & 0xff) << 8) | (folded >>> 8) : folded;
    i += count * 4;
    for (; i < end; i++) sum += ((i - start) & 1) === 0 ? bytes[i]! << 8 : bytes[i]!;
    return sum;
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
