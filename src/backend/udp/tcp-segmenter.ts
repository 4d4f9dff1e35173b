import { foldChecksum, internetChecksum, onesComplementSum } from "./checksum.ts";
import { IPPROTO_TCP, IPV4_MIN_HEADER_LENGTH } from "./ipv4-header.ts";

const TCP_FIN = 0x01;
const TCP_PSH = 0x08;
const TCP_CWR = 0x80;

/** The most bytes of IP + TCP headers a segment can have (60 + 60). */
export const MAX_TCP4_HEADERS = 120;

/**
 * Cuts a TCP/IPv4 super-packet (what the kernel hands a TUN with TSO on)
 * into the wire packets a network card would send, written back to back
 * into `out`: each copies the headers with its own total length, IP ID
 * (the first one's plus its index), header checksum and sequence number;
 * FIN and PSH stay on the last segment only and CWR on the first only, as
 * Linux's software segmentation does; the TCP checksum is computed in full.
 * Every segment but the last is `headers + mss` bytes long.
 *
 * @param packet the buffer holding the super-packet
 * @param offset where it starts
 * @param length its length
 * @param mss payload bytes per segment (the virtio header's gsoSize)
 * @param out where the segments go: room for `length + (segments - 1) * headers` bytes
 * @param outOffset where the first segment starts
 * @returns the bytes written, or 0 when the packet is not an unfragmented TCP/IPv4 packet with payload
 * @example
 * ```ts
 * import { segmentTcp4 } from "./tcp-segmenter.ts";
 * // 40 bytes of headers and 3000 payload bytes cut at 1400: three packets.
 * const packet = new Uint8Array(3040);
 * packet.set([0x45, 0, 3040 >> 8, 3040 & 0xff, 0, 1, 0x40, 0, 64, 6]);
 * packet[32] = 5 << 4; // TCP data offset: 20 bytes
 * packet[33] = 0x18; // ACK | PSH
 * const out = new Uint8Array(3120);
 * segmentTcp4(packet, 0, packet.length, 1400, out, 0); // 3120: 1440 + 1440 + 240
 * ```
 */
export function segmentTcp4(packet: Uint8Array, offset: number, length: number, mss: number, out: Uint8Array, outOffset: number): number {
  if (length < IPV4_MIN_HEADER_LENGTH || packet[offset]! >> 4 !== 4 || packet[offset + 9] !== IPPROTO_TCP || mss <= 0) return 0;
  const ipHeader = (packet[offset]! & 0x0f) * 4;
  if (ipHeader < IPV4_MIN_HEADER_LENGTH || ipHeader + 20 > length) return 0;
  if ((((packet[offset + 6]! << 8) | packet[offset + 7]!) & 0x3fff) !== 0) return 0; // MF or a fragment offset
  const tcpHeader = (packet[offset + ipHeader + 12]! >> 4) * 4;
  const headers = ipHeader + tcpHeader;
  if (tcpHeader < 20 || headers >= length) return 0;

  const payload = length - headers;
  const id0 = (packet[offset + 4]! << 8) | packet[offset + 5]!;
  const t0 = offset + ipHeader;
  const seq0 = ((packet[t0 + 4]! << 24) | (packet[t0 + 5]! << 16) | (packet[t0 + 6]! << 8) | packet[t0 + 7]!) >>> 0;
  const flags = packet[t0 + 13]!;
  // Source and destination addresses and the protocol: the constant part of the pseudo-header.
  const pseudo = onesComplementSum(packet, offset + 12, offset + 20, IPPROTO_TCP);

  let o = outOffset;
  for (let sent = 0, i = 0; sent < payload; sent += mss, i++) {
    const chunk = Math.min(mss, payload - sent);
    const total = headers + chunk;
    out.set(packet.subarray(offset, offset + headers), o);
    out.set(packet.subarray(offset + headers + sent, offset + headers + sent + chunk), o + headers);
    out[o + 2] = total >> 8;
    out[o + 3] = total & 0xff;
    const id = (id0 + i) & 0xffff;
    out[o + 4] = id >> 8;
    out[o + 5] = id & 0xff;
    out[o + 10] = 0;
    out[o + 11] = 0;
    const ipChecksum = internetChecksum(out, o, o + ipHeader);
    out[o + 10] = ipChecksum >> 8;
    out[o + 11] = ipChecksum & 0xff;

    const t = o + ipHeader;
    const seq = (seq0 + sent) >>> 0;
    out[t + 4] = seq >>> 24;
    out[t + 5] = (seq >>> 16) & 0xff;
    out[t + 6] = (seq >>> 8) & 0xff;
    out[t + 7] = seq & 0xff;
    let f = flags;
    if (sent + chunk < payload) f &= ~(TCP_FIN | TCP_PSH);
    if (i > 0) f &= ~TCP_CWR;
    out[t + 13] = f;
    out[t + 16] = 0;
    out[t + 17] = 0;
    const tcpChecksum = ~foldChecksum(onesComplementSum(out, t, o + total, pseudo + tcpHeader + chunk)) & 0xffff;
    out[t + 16] = tcpChecksum >> 8;
    out[t + 17] = tcpChecksum & 0xff;
    o += total;
  }
  return o - outOffset;
}
