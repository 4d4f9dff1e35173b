/**
 * The two ports the engine moves packets between. They are synchronous:
 * the engine runs its loops on threads of their own (workers) and blocks
 * in them, which costs less per packet than an event loop turn. Adapters
 * implement them over a TUN file descriptor and a UDP socket (src/node,
 * src/deno); {@link MemoryTun} and {@link MemorySocket} implement them in
 * memory for tests.
 *
 * Buffers passed to the ports are allocated once by the engine, each on an
 * ArrayBuffer of its own, and reused for every packet.
 *
 * @module
 */

/** What a read or receive returns when nothing arrived in time. */
export const PORT_IDLE = -1;
/** What a read or receive returns when the device or socket is gone: the loop must stop. */
export const PORT_GONE = -2;

/** A TUN device (IFF_TUN, no packet information): IPv4 packets in and out. */
export interface TunDevice {
  /**
   * True when the device was opened with IFF_VNET_HDR and offloads: every
   * packet read starts with a 10-byte virtio-net header (and may be a TCP
   * super-packet or carry a partial checksum), and every packet written
   * must start with one.
   */
  readonly vnetHeader: boolean;
  /**
   * Reads one packet into `buffer` at `offset`, waiting up to `timeoutMs`
   * for one to arrive.
   *
   * @returns its length; {@link PORT_IDLE} when none arrived in time;
   * {@link PORT_GONE} when the device is gone
   */
  read(buffer: Uint8Array, offset: number, capacity: number, timeoutMs: number): number;
  /**
   * Writes one packet.
   *
   * @returns false when the device did not take it
   */
  write(buffer: Uint8Array, offset: number, length: number): boolean;
}

/** Where a received datagram came from; filled in by {@link DatagramSocket.receive}. */
export interface DatagramSource {
  /** Sender's IPv4 address (uint32). */
  address: number;
  /** Sender's UDP port. */
  port: number;
  /**
   * With UDP GRO, the length of each datagram of a train received at once
   * (the last may be shorter); 0 for a single datagram.
   */
  segmentSize: number;
}

/** A bound IPv4 UDP socket. */
export interface DatagramSocket {
  /**
   * The most datagrams one {@link send} may carry (UDP GSO); 1 when the
   * socket cannot segment.
   */
  readonly maxSegments: number;
  /**
   * Sends `buffer[offset..offset+length)` to `address:port`: one datagram,
   * or with `segmentSize` > 0, datagrams of `segmentSize` bytes each (the
   * last may be shorter) cut by the kernel (UDP GSO).
   *
   * @returns false when the kernel refused it
   */
  send(buffer: Uint8Array, offset: number, length: number, address: number, port: number, segmentSize: number): boolean;
  /**
   * Receives one datagram (or, with UDP GRO, a train of datagrams from one
   * sender, back to back) into `buffer` at `offset`, waiting up to
   * `timeoutMs`.
   *
   * @returns the bytes received (0 for an empty datagram);
   * {@link PORT_IDLE} when nothing arrived in time; {@link PORT_GONE} when
   * the socket is gone
   */
  receive(buffer: Uint8Array, offset: number, capacity: number, from: DatagramSource, timeoutMs: number): number;
}
