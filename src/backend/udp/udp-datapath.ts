import { decrementTtl } from "./decrement-ttl.ts";
import { NET_UNREACHABLE_MAX_LENGTH, writeNetUnreachable } from "./icmp-unreachable.ts";
import { checkIpv4Packet } from "./ipv4-header.ts";
import type { RoutePeer, RouteTable } from "./route-table.ts";
import { COUNTER_SLOTS, IN_DROP, OUT_DROP, SLOT } from "./udp-counters.ts";
import { VNET_HEADER_LENGTH } from "./virtio-net-header.ts";

/** Options of {@link UdpDatapath}. */
export interface UdpDatapathOptions {
  /** Which peer holds which subnet; its peers are also the accepted sources. */
  readonly routes: RouteTable;
  /** The TUN's address (uint32), the source of ICMP messages: the subnet's network address, as flanneld sets it. */
  readonly localAddress: number;
  /**
   * The prefix length of this host's subnet (whose network address is
   * `localAddress`). Packets from peers that claim a source inside it are
   * dropped: they can only be forged, and the TUN accepts local sources
   * (accept_local, so that the host's own pings get ICMP errors). Default 32.
   */
  readonly localPrefix?: number;
  /**
   * Accept datagrams only from the public IP of a route's peer. Default
   * true. flanneld accepts every sender, which lets anyone who reaches the
   * port inject packets into the container network.
   */
  readonly sourceFilter?: boolean;
  /** The counter block to write ({@link COUNTER_SLOTS} long). Default: a new one. */
  readonly counters?: Float64Array;
}

/**
 * The per-packet decisions of flannel's UDP backend, for both directions,
 * with counters: every packet taken in is counted as received and then
 * either passed on (the caller counts it sent) or dropped with a reason.
 * Pure: it reads and patches packets in the caller's buffers and never
 * allocates on the way.
 *
 * @example
 * ```ts
 * import { UdpDatapath } from "./udp-datapath.ts";
 * import { RouteTable } from "./route-table.ts";
 * import { readUdpCounters } from "./udp-counters.ts";
 * const datapath = new UdpDatapath({ routes: new RouteTable(), localAddress: 0x0a050100 });
 * datapath.inbound(new Uint8Array(10), 0, 10, 0xc0000202); // false: not from a peer
 * readUdpCounters([datapath.counters]).inbound.drops["unknown-source"]; // 1
 * ```
 */
export class UdpDatapath {
  readonly routes: RouteTable;
  readonly localAddress: number;
  readonly localPrefix: number;
  readonly sourceFilter: boolean;
  /** This datapath's counter block. */
  readonly counters: Float64Array;
  /**
   * The ICMP message of the last {@link outbound} that found no route, at
   * offset {@link VNET_HEADER_LENGTH} after zeroed bytes (a plain
   * virtio-net header for a TUN that wants one); {@link icmpLength} bytes.
   */
  readonly icmp: Uint8Array = new Uint8Array(VNET_HEADER_LENGTH + NET_UNREACHABLE_MAX_LENGTH);
  /** Length of the message in {@link icmp}; 0 when the last outbound packet needs none. */
  icmpLength = 0;
  private readonly localMask: number;

  /** @param options see {@link UdpDatapathOptions} */
  constructor(options: UdpDatapathOptions) {
    this.routes = options.routes;
    this.localAddress = options.localAddress;
    this.localPrefix = options.localPrefix ?? 32;
    this.localMask = this.localPrefix === 0 ? 0 : (0xffffffff << (32 - this.localPrefix)) >>> 0;
    this.sourceFilter = options.sourceFilter ?? true;
    this.counters = options.counters ?? new Float64Array(COUNTER_SLOTS);
  }

  /**
   * Decides where a packet read from the TUN goes: it must be IPv4 with a
   * consistent header; it is sent to the peer whose subnet holds its
   * destination, with its TTL decremented (as flanneld does). Without a
   * route, an ICMP net unreachable is prepared in {@link icmp}.
   *
   * @param bytes the buffer
   * @param offset where the packet starts
   * @param length its length
   * @param segments how many wire packets it stands for (a TCP super-packet stands for several)
   * @returns the peer, or undefined when the packet is dropped (counted)
   */
  outbound(bytes: Uint8Array, offset: number, length: number, segments = 1): RoutePeer | undefined {
    const c = this.counters;
    c[SLOT.outReceived]! += segments;
    this.icmpLength = 0;
    if (length < 1 || bytes[offset]! >> 4 !== 4) {
      c[OUT_DROP["not-ipv4"]]! += segments;
      return undefined;
    }
    // The kernel wrote this header; its checksum is not worth verifying.
    if (checkIpv4Packet(bytes, offset, length, false) !== undefined) {
      c[OUT_DROP.malformed]! += segments;
      return undefined;
    }
    const destination = ((bytes[offset + 16]! << 24) | (bytes[offset + 17]! << 16) | (bytes[offset + 18]! << 8) | bytes[offset + 19]!) >>> 0;
    const peer = this.routes.lookup(destination);
    if (peer === undefined) {
      c[OUT_DROP["no-route"]]! += segments;
      this.icmpLength = writeNetUnreachable(bytes, offset, length, this.localAddress, this.icmp, VNET_HEADER_LENGTH);
      return undefined;
    }
    if (!decrementTtl(bytes, offset)) {
      c[OUT_DROP["ttl-expired"]]! += segments;
      return undefined;
    }
    return peer;
  }

  /**
   * Checks a datagram that arrived from `source`: the sender must be a
   * route's peer (unless the filter is off), and the payload exactly one
   * IPv4 packet whose header checks (version, lengths, checksum), and whose
   * source is not inside this host's subnet; its TTL is then decremented,
   * and a packet whose TTL runs out is dropped.
   *
   * @param bytes the buffer
   * @param offset where the datagram's payload starts
   * @param length its length
   * @param source the sender's address (uint32)
   * @returns true when the packet may be written to the TUN
   */
  inbound(bytes: Uint8Array, offset: number, length: number, source: number): boolean {
    const c = this.counters;
    c[SLOT.inReceived]!++;
    if (this.sourceFilter && !this.routes.hasPeer(source)) {
      c[IN_DROP["unknown-source"]]!++;
      return false;
    }
    const problem = checkIpv4Packet(bytes, offset, length);
    if (problem !== undefined) {
      c[IN_DROP[problem]]!++;
      return false;
    }
    const innerSource = ((bytes[offset + 12]! << 24) | (bytes[offset + 13]! << 16) | (bytes[offset + 14]! << 8) | bytes[offset + 15]!) >>> 0;
    if (((innerSource & this.localMask) >>> 0) === this.localAddress) {
      c[IN_DROP["local-source"]]!++;
      return false;
    }
    if (!decrementTtl(bytes, offset)) {
      c[IN_DROP["ttl-expired"]]!++;
      return false;
    }
    return true;
  }
}
