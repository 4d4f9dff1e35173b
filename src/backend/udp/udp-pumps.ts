import { IPV4_MIN_HEADER_LENGTH } from "./ipv4-header.ts";
import { type DatagramSocket, type DatagramSource, PORT_GONE, PORT_IDLE, type TunDevice } from "./packet-ports.ts";
import { TcpCoalescer } from "./tcp-coalescer.ts";
import { segmentTcp4 } from "./tcp-segmenter.ts";
import { IN_DROP, OUT_DROP, SLOT } from "./udp-counters.ts";
import type { UdpDatapath } from "./udp-datapath.ts";
import { completeChecksum, VNET_F_NEEDS_CSUM, VNET_GSO_NONE, VNET_GSO_TCPV4, VNET_HEADER_LENGTH } from "./virtio-net-header.ts";

/** The largest UDP payload over IPv4 (65535 - 20 - 8): the limit of one send, segmented or not. */
export const MAX_UDP_PAYLOAD = 65507;
const MAX_PACKET = 0xffff;

/** What one pump step did: moved something, found nothing in time, or found its port gone. */
export type PumpResult = 1 | 0 | -1;

/** Options of {@link OutboundPump} and {@link InboundPump}. */
export interface PumpOptions {
  /**
   * Called after a packet arrived and before it is looked at: a forwarding
   * thread brings its route replica up to date here, so that a packet that
   * ends a long wait meets the routes of its arrival, not of the wait's
   * start. Default: nothing.
   */
  readonly beforePacket?: () => void;
}

const nothing = (): void => undefined;

function offHeap(length: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(length));
}

/**
 * The TUN-to-peers direction: reads a packet from the TUN, lets the
 * datapath decide, and sends it to the peer. With offloads, a TCP
 * super-packet is cut into wire packets here and handed to the kernel in
 * one send (UDP GSO) and partial checksums are completed, so that the wire
 * carries exactly the packets flanneld would send.
 *
 * @example
 * ```ts
 * import { OutboundPump } from "./udp-pumps.ts";
 * import { UdpDatapath } from "./udp-datapath.ts";
 * import { RouteTable } from "./route-table.ts";
 * import { MemorySocket, MemoryTun } from "./memory-ports.ts";
 * const tun = new MemoryTun();
 * const socket = new MemorySocket();
 * const pump = new OutboundPump(new UdpDatapath({ routes: new RouteTable(), localAddress: 0x0a050100 }), tun, socket);
 * pump.step(0); // 0: nothing to read
 * ```
 */
export class OutboundPump {
  private readonly input = offHeap(VNET_HEADER_LENGTH + MAX_PACKET);
  private readonly beforePacket: () => void;
  private output = offHeap(2 * MAX_PACKET);

  /**
   * @param datapath the decisions and counters
   * @param tun where packets come from (and ICMP messages go)
   * @param socket where packets go
   * @param options see {@link PumpOptions}
   */
  constructor(
    readonly datapath: UdpDatapath,
    readonly tun: TunDevice,
    readonly socket: DatagramSocket,
    options: PumpOptions = {},
  ) {
    this.beforePacket = options.beforePacket ?? nothing;
  }

  /**
   * Moves one packet (or TCP super-packet) from the TUN to its peer.
   *
   * @param timeoutMs how long to wait for a packet
   * @returns see {@link PumpResult}
   */
  step(timeoutMs: number): PumpResult {
    const input = this.input;
    const n = this.tun.read(input, 0, input.length, timeoutMs);
    if (n === PORT_IDLE) return 0;
    if (n === PORT_GONE) return -1;
    this.beforePacket();
    const c = this.datapath.counters;
    let p = 0;
    let length = n;
    if (this.tun.vnetHeader) {
      p = VNET_HEADER_LENGTH;
      length = n - VNET_HEADER_LENGTH;
      const gsoType = input[1]! & 0x7f;
      if (gsoType === VNET_GSO_TCPV4 && length > IPV4_MIN_HEADER_LENGTH) return this.superPacket(p, length, input[4]! | (input[5]! << 8));
      if (gsoType !== VNET_GSO_NONE || length < 0) {
        c[SLOT.outReceived]!++;
        c[OUT_DROP.malformed]!++;
        return 1;
      }
      if ((input[0]! & VNET_F_NEEDS_CSUM) !== 0 && !completeChecksum(input, p, length, input[6]! | (input[7]! << 8), input[8]! | (input[9]! << 8))) {
        c[SLOT.outReceived]!++;
        c[OUT_DROP.malformed]!++;
        return 1;
      }
    }
    const peer = this.datapath.outbound(input, p, length);
    if (peer === undefined) {
      this.writeIcmp();
      return 1;
    }
    if (this.socket.send(input, p, length, peer.address, peer.port, 0)) {
      c[SLOT.outPackets]!++;
      c[SLOT.outBytes]! += length;
    } else {
      c[OUT_DROP["send-failed"]]!++;
    }
    return 1;
  }

  private superPacket(p: number, length: number, mss: number): PumpResult {
    const input = this.input;
    const c = this.datapath.counters;
    const ipHeader = (input[p]! & 0x0f) * 4;
    const headers = ipHeader + (ipHeader + 13 <= length ? (input[p + ipHeader + 12]! >> 4) * 4 : 0);
    const segments = mss > 0 && headers < length ? Math.ceil((length - headers) / mss) : 1;
    const peer = this.datapath.outbound(input, p, length, segments);
    if (peer === undefined) {
      this.writeIcmp();
      return 1;
    }
    const needed = length + (segments - 1) * headers;
    if (this.output.length < needed) this.output = offHeap(needed);
    const output = this.output;
    const total = segmentTcp4(input, p, length, mss, output, 0);
    if (total === 0) {
      c[OUT_DROP.malformed]! += segments;
      return 1;
    }
    c[SLOT.outSuperPackets]!++;
    const segmentLength = headers + mss;
    const perSend = Math.max(1, Math.min(this.socket.maxSegments, Math.floor(MAX_UDP_PAYLOAD / segmentLength)));
    for (let o = 0; o < total;) {
      const chunk = Math.min(perSend * segmentLength, total - o);
      const count = Math.ceil(chunk / segmentLength);
      if (this.socket.send(output, o, chunk, peer.address, peer.port, count > 1 ? segmentLength : 0)) {
        c[SLOT.outPackets]! += count;
        c[SLOT.outBytes]! += chunk;
      } else {
        c[OUT_DROP["send-failed"]]! += count;
      }
      o += chunk;
    }
    return 1;
  }

  private writeIcmp(): void {
    const datapath = this.datapath;
    const length = datapath.icmpLength;
    if (length === 0) return;
    const written = this.tun.vnetHeader ? this.tun.write(datapath.icmp, 0, VNET_HEADER_LENGTH + length) : this.tun.write(datapath.icmp, VNET_HEADER_LENGTH, length);
    if (written) datapath.counters[SLOT.outIcmpUnreachable]!++;
  }
}

/**
 * The peers-to-TUN direction: receives a datagram (or a GRO train of them),
 * lets the datapath check each, and writes the accepted packets to the
 * TUN; with offloads, consecutive segments of one TCP stream are written
 * as one super-packet ({@link TcpCoalescer}).
 *
 * @example
 * ```ts
 * import { InboundPump } from "./udp-pumps.ts";
 * import { UdpDatapath } from "./udp-datapath.ts";
 * import { RouteTable } from "./route-table.ts";
 * import { MemorySocket, MemoryTun } from "./memory-ports.ts";
 * const socket = new MemorySocket();
 * socket.inject(new Uint8Array(3), 0xc0000202, 8285); // three bytes from a stranger
 * const datapath = new UdpDatapath({ routes: new RouteTable(), localAddress: 0x0a050100 });
 * new InboundPump(datapath, new MemoryTun(), socket).step(0); // 1: received and dropped
 * ```
 */
export class InboundPump {
  private readonly buffer = offHeap(VNET_HEADER_LENGTH + MAX_PACKET + 1);
  private readonly from: DatagramSource = { address: 0, port: 0, segmentSize: 0 };
  private readonly coalescer = new TcpCoalescer();
  private readonly beforePacket: () => void;

  /**
   * @param datapath the decisions and counters
   * @param tun where accepted packets go
   * @param socket where datagrams come from
   * @param options see {@link PumpOptions}
   */
  constructor(
    readonly datapath: UdpDatapath,
    readonly tun: TunDevice,
    readonly socket: DatagramSocket,
    options: PumpOptions = {},
  ) {
    this.beforePacket = options.beforePacket ?? nothing;
  }

  /**
   * Moves one datagram, or one GRO train, from the socket to the TUN.
   *
   * @param timeoutMs how long to wait for a datagram
   * @returns see {@link PumpResult}
   */
  step(timeoutMs: number): PumpResult {
    const buffer = this.buffer;
    const from = this.from;
    from.segmentSize = 0;
    // Room for a virtio-net header before the first packet; the capacity
    // is one more than the largest packet, so a larger datagram shows up
    // as such (and fails the length checks) instead of being cut to fit.
    const n = this.socket.receive(buffer, VNET_HEADER_LENGTH, MAX_PACKET + 1, from, timeoutMs);
    if (n === PORT_IDLE) return 0;
    if (n === PORT_GONE) return -1;
    this.beforePacket();
    if (n === 0) {
      // An empty datagram: counted, and dropped as truncated (or as from a stranger).
      this.datapath.inbound(buffer, VNET_HEADER_LENGTH, 0, from.address);
      return 1;
    }
    const size = from.segmentSize > 0 && from.segmentSize < n ? from.segmentSize : n;
    const end = VNET_HEADER_LENGTH + n;
    if (this.tun.vnetHeader) this.coalesce(end, size, from.address);
    else this.single(end, size, from.address);
    return 1;
  }

  private single(end: number, size: number, source: number): void {
    const buffer = this.buffer;
    const c = this.datapath.counters;
    for (let o = VNET_HEADER_LENGTH; o < end; o += size) {
      const length = Math.min(size, end - o);
      if (!this.datapath.inbound(buffer, o, length, source)) continue;
      if (this.tun.write(buffer, o, length)) {
        c[SLOT.inPackets]!++;
        c[SLOT.inBytes]! += length;
      } else {
        c[IN_DROP["tun-write-failed"]]!++;
      }
    }
  }

  private coalesce(end: number, size: number, source: number): void {
    const buffer = this.buffer;
    const coalescer = this.coalescer;
    let open = false;
    for (let o = VNET_HEADER_LENGTH; o < end; o += size) {
      const length = Math.min(size, end - o);
      if (!this.datapath.inbound(buffer, o, length, source)) {
        if (open) this.flush();
        open = false;
        continue;
      }
      if (open && coalescer.append(buffer, o, length)) continue;
      if (open) this.flush();
      coalescer.begin(buffer, o, length);
      open = true;
    }
    if (open) this.flush();
  }

  private flush(): void {
    const coalescer = this.coalescer;
    const c = this.datapath.counters;
    const length = coalescer.finish(this.buffer);
    if (this.tun.write(this.buffer, coalescer.writeOffset, length)) {
      c[SLOT.inPackets]! += coalescer.segments;
      c[SLOT.inBytes]! += coalescer.wireBytes;
      if (coalescer.segments > 1) c[SLOT.inCoalesced]!++;
    } else {
      c[IN_DROP["tun-write-failed"]]! += coalescer.segments;
    }
  }
}
