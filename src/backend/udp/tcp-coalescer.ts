import { foldChecksum, internetChecksum, onesComplementSum } from "./checksum.ts";
import { IPPROTO_TCP } from "./ipv4-header.ts";
import { VNET_F_NEEDS_CSUM, VNET_GSO_TCPV4, VNET_HEADER_LENGTH } from "./virtio-net-header.ts";

/**
 * Whether the TCP checksum of the TCP/IPv4 packet (no IP options) verifies.
 * A joined super-packet carries a fresh partial checksum that the kernel
 * trusts, so each segment must be checked before it joins, as the kernel's
 * own GRO does; a segment that fails is written alone and the kernel drops it.
 */
function tcpChecksumVerifies(bytes: Uint8Array, offset: number, length: number): boolean {
  const pseudo = onesComplementSum(bytes, offset + 12, offset + 20, IPPROTO_TCP + length - 20);
  return foldChecksum(onesComplementSum(bytes, offset + 20, offset + length, pseudo)) === 0xffff;
}

const TCP_ACK = 0x10;
const TCP_PSH = 0x08;

/**
 * Joins consecutive segments of one TCP/IPv4 stream, lying back to back in
 * a buffer (as a UDP GRO receive leaves them), into one super-packet with a
 * virtio-net header for a TUN opened with IFF_VNET_HDR: software GRO. The
 * kernel then treats the super-packet as one, which saves most of the
 * per-packet work of the receiving TCP stack.
 *
 * A segment joins the run only when nothing would be lost: a TCP checksum
 * that verifies; IPv4 without options, Don't Fragment set and no fragment;
 * the same addresses, TOS,
 * TTL, ports, acknowledgment number, window and TCP options as the first;
 * flags ACK (PSH allowed on the last one only); the next sequence number;
 * all previous segments full-sized. Anything else ends the run.
 *
 * Usage per received train: {@link begin} with the first packet, then
 * {@link append} each next one (on false, {@link finish} the run, write it,
 * and {@link begin} again with that packet), and {@link finish} at the end.
 *
 * @example
 * ```ts
 * import { TcpCoalescer } from "./tcp-coalescer.ts";
 * const coalescer = new TcpCoalescer();
 * const buffer = new Uint8Array(100); // packets from offset 10 (room for the virtio-net header)
 * buffer.set([0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6], 10); // an empty ACK: runs alone
 * coalescer.begin(buffer, 10, 40);
 * coalescer.finish(buffer); // 50 bytes to write from coalescer.writeOffset
 * coalescer.segments; // 1
 * ```
 */
export class TcpCoalescer {
  /** Where the finished run's bytes (virtio-net header first) start. */
  writeOffset = 0;
  /** Number of wire packets in the current run. */
  segments = 0;
  /** Sum of the wire packets' lengths in the current run. */
  wireBytes = 0;

  private head = 0;
  private end = 0;
  private headers = 0;
  private mss = 0;
  private nextSeq = 0;
  private open = false;

  /**
   * Starts a run with the packet at `bytes[offset..offset+length)`; there
   * must be {@link VNET_HEADER_LENGTH} bytes before it that may be
   * overwritten (the previous run is written already).
   */
  begin(bytes: Uint8Array, offset: number, length: number): void {
    this.head = offset;
    this.end = offset + length;
    this.segments = 1;
    this.wireBytes = length;
    this.open = false;
    if (length < 40 || bytes[offset] !== 0x45 || bytes[offset + 9] !== IPPROTO_TCP) return;
    if (((bytes[offset + 6]! << 8) | bytes[offset + 7]!) !== 0x4000) return; // DF, not a fragment
    const t = offset + 20;
    if (bytes[t + 13] !== TCP_ACK || bytes[t + 18] !== 0 || bytes[t + 19] !== 0) return;
    const tcpHeader = (bytes[t + 12]! >> 4) * 4;
    if (tcpHeader < 20 || 20 + tcpHeader >= length) return;
    if (!tcpChecksumVerifies(bytes, offset, length)) return;
    this.headers = 20 + tcpHeader;
    this.mss = length - this.headers;
    this.nextSeq = (this.seqAt(bytes, t) + this.mss) >>> 0;
    this.open = true;
  }

  /**
   * Adds the packet at `bytes[offset..offset+length)` to the run, moving its
   * payload right behind the run's, if it belongs there.
   *
   * @returns false when it does not (the run is unchanged)
   */
  append(bytes: Uint8Array, offset: number, length: number): boolean {
    if (!this.open) return false;
    const headers = this.headers;
    const payload = length - headers;
    if (payload <= 0 || payload > this.mss || this.end - this.head + payload > 0xffff) return false;
    const h = this.head;
    // IPv4: version/IHL, TOS; flags/fragment; TTL, protocol; addresses.
    if (bytes[offset] !== bytes[h] || bytes[offset + 1] !== bytes[h + 1]) return false;
    if (bytes[offset + 6] !== bytes[h + 6] || bytes[offset + 7] !== bytes[h + 7]) return false;
    if (bytes[offset + 8] !== bytes[h + 8] || bytes[offset + 9] !== bytes[h + 9]) return false;
    for (let i = 12; i < 20; i++) if (bytes[offset + i] !== bytes[h + i]) return false;
    const t = offset + 20;
    const th = h + 20;
    const flags = bytes[t + 13]!;
    if (flags !== TCP_ACK && flags !== (TCP_ACK | TCP_PSH)) return false;
    // Ports (0-3), acknowledgment (8-11), data offset (12), window (14-15), urgent pointer and options (18-).
    for (let i = 0; i < 4; i++) if (bytes[t + i] !== bytes[th + i]) return false;
    for (let i = 8; i < 13; i++) if (bytes[t + i] !== bytes[th + i]) return false;
    if (bytes[t + 14] !== bytes[th + 14] || bytes[t + 15] !== bytes[th + 15]) return false;
    for (let i = 18; i < headers - 20; i++) if (bytes[t + i] !== bytes[th + i]) return false;
    if (this.seqAt(bytes, t) !== this.nextSeq) return false;
    if (!tcpChecksumVerifies(bytes, offset, length)) return false;

    bytes.copyWithin(this.end, offset + headers, offset + length);
    this.end += payload;
    this.segments++;
    this.wireBytes += length;
    this.nextSeq = (this.nextSeq + payload) >>> 0;
    // A short segment or PSH ends the stream of full segments.
    if (payload < this.mss || flags !== TCP_ACK) {
      this.open = false;
      if (flags !== TCP_ACK) bytes[th + 13] = flags;
    }
    return true;
  }

  /**
   * Finishes the run in place: for several segments, sets the total length,
   * header checksum and partial TCP checksum of the super-packet and writes
   * a TCPV4 virtio-net header before it; for one, a plain header.
   *
   * @returns the length to write, from {@link writeOffset}, header included
   */
  finish(bytes: Uint8Array): number {
    const h = this.head;
    const total = this.end - h;
    this.writeOffset = h - VNET_HEADER_LENGTH;
    bytes.fill(0, this.writeOffset, h);
    if (this.segments === 1) return total + VNET_HEADER_LENGTH;
    bytes[h + 2] = total >> 8;
    bytes[h + 3] = total & 0xff;
    bytes[h + 10] = 0;
    bytes[h + 11] = 0;
    const ipChecksum = internetChecksum(bytes, h, h + 20);
    bytes[h + 10] = ipChecksum >> 8;
    bytes[h + 11] = ipChecksum & 0xff;
    // Partial checksum: the pseudo-header's folded sum, not complemented.
    const partial = foldChecksum(onesComplementSum(bytes, h + 12, h + 20, IPPROTO_TCP + total - 20));
    bytes[h + 36] = partial >> 8;
    bytes[h + 37] = partial & 0xff;
    const w = this.writeOffset;
    bytes[w] = VNET_F_NEEDS_CSUM;
    bytes[w + 1] = VNET_GSO_TCPV4;
    bytes[w + 2] = this.headers & 0xff;
    bytes[w + 3] = this.headers >> 8;
    bytes[w + 4] = this.mss & 0xff;
    bytes[w + 5] = this.mss >> 8;
    bytes[w + 6] = 20;
    bytes[w + 7] = 0;
    bytes[w + 8] = 16;
    bytes[w + 9] = 0;
    return total + VNET_HEADER_LENGTH;
  }

  private seqAt(bytes: Uint8Array, tcp: number): number {
    return ((bytes[tcp + 4]! << 24) | (bytes[tcp + 5]! << 16) | (bytes[tcp + 6]! << 8) | bytes[tcp + 7]!) >>> 0;
  }
}
