/**
 * The virtio-net header (`struct virtio_net_hdr`, 10 bytes) that a TUN
 * device opened with IFF_VNET_HDR puts before every packet it reads and
 * expects before every packet written to it. It carries the offloads: a TCP
 * super-packet to cut (TSO, `gsoType` TCPV4 with `gsoSize`) or a checksum
 * left for the receiver to complete (`flags` NEEDS_CSUM). Little-endian (the
 * adapters set TUNSETVNETLE).
 *
 * @module
 */

import { foldChecksum, onesComplementSum } from "./checksum.ts";

/** Length of the header in bytes. */
export const VNET_HEADER_LENGTH = 10;
/** flags: the checksum at csumStart + csumOffset holds only the pseudo-header sum. */
export const VNET_F_NEEDS_CSUM = 1;
/** gsoType: a single packet. */
export const VNET_GSO_NONE = 0;
/** gsoType: a TCP over IPv4 super-packet, cut into segments of gsoSize payload bytes. */
export const VNET_GSO_TCPV4 = 1;
/** gsoType bit: the super-packet uses ECN (CWR only on the first segment). */
export const VNET_GSO_ECN = 0x80;

/** The fields of a virtio-net header. */
export interface VnetHeader {
  readonly flags: number;
  readonly gsoType: number;
  /** Bytes of headers (IP + TCP) before the payload. */
  readonly headerLength: number;
  /** Payload bytes per segment. */
  readonly gsoSize: number;
  /** Where checksumming starts, from the start of the packet. */
  readonly csumStart: number;
  /** Where the checksum is stored, from csumStart. */
  readonly csumOffset: number;
}

/**
 * Reads a virtio-net header.
 *
 * @param bytes the buffer
 * @param offset where the header starts
 * @returns its fields
 */
export function readVnetHeader(bytes: Uint8Array, offset: number): VnetHeader {
  const u16 = (i: number): number => bytes[offset + i]! | (bytes[offset + i + 1]! << 8);
  return { flags: bytes[offset]!, gsoType: bytes[offset + 1]!, headerLength: u16(2), gsoSize: u16(4), csumStart: u16(6), csumOffset: u16(8) };
}

/**
 * Writes a virtio-net header.
 *
 * @param bytes the buffer
 * @param offset where the header goes
 * @param header its fields
 * @example
 * ```ts
 * import { readVnetHeader, VNET_GSO_TCPV4, writeVnetHeader } from "./virtio-net-header.ts";
 * const bytes = new Uint8Array(10);
 * writeVnetHeader(bytes, 0, { flags: 1, gsoType: VNET_GSO_TCPV4, headerLength: 52, gsoSize: 1420, csumStart: 20, csumOffset: 16 });
 * readVnetHeader(bytes, 0).gsoSize; // 1420
 * ```
 */
export function writeVnetHeader(bytes: Uint8Array, offset: number, header: VnetHeader): void {
  const u16 = (i: number, v: number): void => {
    bytes[offset + i] = v & 0xff;
    bytes[offset + i + 1] = v >> 8;
  };
  bytes[offset] = header.flags;
  bytes[offset + 1] = header.gsoType;
  u16(2, header.headerLength);
  u16(4, header.gsoSize);
  u16(6, header.csumStart);
  u16(8, header.csumOffset);
}

/**
 * Completes a checksum the kernel left partial (virtio NEEDS_CSUM): the
 * 16-bit field at `csumStart + csumOffset` holds the pseudo-header sum; the
 * result is the Internet checksum of everything from `csumStart` to the end
 * of the packet, that field included.
 *
 * @param bytes the buffer
 * @param packet where the packet starts
 * @param length the packet's length
 * @param csumStart the header's csumStart (from the packet's start)
 * @param csumOffset the header's csumOffset (from csumStart)
 * @returns false when the offsets point outside the packet (nothing is changed)
 */
export function completeChecksum(bytes: Uint8Array, packet: number, length: number, csumStart: number, csumOffset: number): boolean {
  if (csumStart + csumOffset + 2 > length) return false;
  const start = packet + csumStart;
  const at = start + csumOffset;
  const checksum = ~foldChecksum(onesComplementSum(bytes, start, packet + length)) & 0xffff;
  bytes[at] = checksum >> 8;
  bytes[at + 1] = checksum & 0xff;
  return true;
}
