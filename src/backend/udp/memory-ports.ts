import { type DatagramSocket, type DatagramSource, PORT_GONE, PORT_IDLE, type TunDevice } from "./packet-ports.ts";

/** Options of {@link MemoryTun}. */
export interface MemoryTunOptions {
  /** Behave like a TUN opened with IFF_VNET_HDR (packets carry a virtio-net header). Default false. */
  readonly vnetHeader?: boolean;
  /** Called with a copy of each packet the engine writes, instead of keeping it in `written`. Default: keep. */
  readonly onWrite?: (packet: Uint8Array) => void;
}

/**
 * A TUN device in memory, for tests: packets {@link inject}ed are what the
 * kernel would route into the device; packets the engine writes land in
 * {@link written}. Reads never wait.
 *
 * @example
 * ```ts
 * import { MemoryTun } from "./memory-ports.ts";
 * const tun = new MemoryTun();
 * tun.inject(Uint8Array.of(0x45, 0));
 * const buffer = new Uint8Array(100);
 * tun.read(buffer, 0, 100, 0); // 2
 * tun.read(buffer, 0, 100, 0); // -1 (PORT_IDLE): nothing more
 * ```
 */
export class MemoryTun implements TunDevice {
  readonly vnetHeader: boolean;
  /** Packets waiting to be read by the engine. */
  readonly pending: Uint8Array[] = [];
  /** Packets the engine wrote, oldest first (copies). */
  readonly written: Uint8Array[] = [];
  /** Once true, reads report the device gone and writes fail. */
  closed = false;
  /** When true, writes fail (to test the engine's counting). */
  failWrites = false;

  readonly #onWrite: (packet: Uint8Array) => void;

  /** @param options see {@link MemoryTunOptions} */
  constructor(options: MemoryTunOptions = {}) {
    this.vnetHeader = options.vnetHeader ?? false;
    this.#onWrite = options.onWrite ?? ((packet) => this.written.push(packet));
  }

  /** Queues a packet for the engine to read (with its virtio-net header, when the device has them). */
  inject(packet: Uint8Array): void {
    this.pending.push(packet.slice());
  }

  /** Reads the next injected packet; never waits (`_timeoutMs` is ignored). */
  read(buffer: Uint8Array, offset: number, capacity: number, _timeoutMs = 0): number {
    if (this.closed) return PORT_GONE;
    const packet = this.pending.shift();
    if (packet === undefined) return PORT_IDLE;
    // A read into a too-small buffer truncates, as read(2) on a TUN does.
    const length = Math.min(packet.length, capacity);
    buffer.set(packet.subarray(0, length), offset);
    return length;
  }

  write(buffer: Uint8Array, offset: number, length: number): boolean {
    if (this.closed || this.failWrites) return false;
    this.#onWrite(buffer.slice(offset, offset + length));
    return true;
  }
}

/** A datagram that a {@link MemorySocket} sent. */
export interface SentDatagram {
  /** The payload (for a segmented send, the whole train). */
  readonly bytes: Uint8Array;
  readonly address: number;
  readonly port: number;
  /** The segment size of a UDP GSO send; 0 for one datagram. */
  readonly segmentSize: number;
}

/** Options of {@link MemorySocket}. */
export interface MemorySocketOptions {
  /** The most datagrams one send may carry (UDP GSO). Default 1 (no segmentation). */
  readonly maxSegments?: number;
}

/**
 * A UDP socket in memory, for tests: datagrams {@link inject}ed are
 * received by the engine (a train of several when given a segment size, as
 * UDP GRO delivers them); datagrams the engine sends land in {@link sent}.
 *
 * @example
 * ```ts
 * import { MemorySocket } from "./memory-ports.ts";
 * const socket = new MemorySocket();
 * socket.send(Uint8Array.of(1, 2, 3), 0, 3, 0xc0000202, 8285, 0); // true
 * socket.sent[0]?.bytes; // Uint8Array [1, 2, 3]
 * ```
 */
export class MemorySocket implements DatagramSocket {
  readonly maxSegments: number;
  /** Datagrams waiting to be received, with their source. */
  readonly pending: { readonly bytes: Uint8Array; readonly address: number; readonly port: number; readonly segmentSize: number }[] = [];
  /** Datagrams the engine sent, oldest first (copies). */
  readonly sent: SentDatagram[] = [];
  /** Once true, receives report the socket gone and sends fail. */
  closed = false;
  /** When true, sends fail (to test the engine's counting). */
  failSends = false;

  /** @param options see {@link MemorySocketOptions} */
  constructor(options: MemorySocketOptions = {}) {
    this.maxSegments = options.maxSegments ?? 1;
  }

  /**
   * Queues a datagram (or a GRO train of datagrams of `segmentSize` bytes)
   * from `address:port` for the engine to receive.
   */
  inject(bytes: Uint8Array, address: number, port: number, segmentSize = 0): void {
    this.pending.push({ bytes: bytes.slice(), address, port, segmentSize });
  }

  send(buffer: Uint8Array, offset: number, length: number, address: number, port: number, segmentSize: number): boolean {
    if (this.closed || this.failSends) return false;
    if (segmentSize > 0 && Math.ceil(length / segmentSize) > this.maxSegments) return false;
    this.sent.push({ bytes: buffer.slice(offset, offset + length), address, port, segmentSize });
    return true;
  }

  /**
   * The datagrams on the wire so far: segmented sends cut into their
   * datagrams, as the kernel would.
   */
  wire(): SentDatagram[] {
    return this.sent.flatMap((d) => {
      if (d.segmentSize === 0) return [d];
      const parts: SentDatagram[] = [];
      for (let o = 0; o < d.bytes.length; o += d.segmentSize) {
        parts.push({ bytes: d.bytes.slice(o, o + d.segmentSize), address: d.address, port: d.port, segmentSize: 0 });
      }
      return parts;
    });
  }

  /** Receives the next injected datagram; never waits (`_timeoutMs` is ignored). */
  receive(buffer: Uint8Array, offset: number, capacity: number, from: DatagramSource, _timeoutMs = 0): number {
    if (this.closed) return PORT_GONE;
    const datagram = this.pending.shift();
    if (datagram === undefined) return PORT_IDLE;
    const length = Math.min(datagram.bytes.length, capacity);
    buffer.set(datagram.bytes.subarray(0, length), offset);
    from.address = datagram.address;
    from.port = datagram.port;
    from.segmentSize = datagram.segmentSize;
    return length;
  }
}
