/**
 * One simulated flannel host of the demo: the UDP engine's per-packet logic
 * and pumps (routes, datapath, outbound and inbound pumps) between a UDP
 * socket and a TUN device whose other side is a set of userspace
 * "containers" instead of the kernel. Packets are pumped as they arrive, on
 * the event loop: nothing polls and nothing blocks.
 *
 * @module
 */
import { MemoryTun } from "../backend/udp/memory-ports.ts";
import type { DatagramSocket } from "../backend/udp/packet-ports.ts";
import { RouteTable } from "../backend/udp/route-table.ts";
import { readUdpCounters, type UdpCounters } from "../backend/udp/udp-counters.ts";
import { UdpDatapath } from "../backend/udp/udp-datapath.ts";
import { InboundPump, OutboundPump } from "../backend/udp/udp-pumps.ts";
import { type Cidr4, cidrContainsIp } from "../subnet/cidr.ts";
import { formatIp, ip4 } from "../subnet/ip.ts";
import { echoReplyFor } from "./icmp-echo.ts";

/** A {@link DatagramSocket} that says when a datagram is waiting. */
export interface EventedDatagramSocket extends DatagramSocket {
  /** Set by the host: called when a datagram can be received. */
  onReadable: (() => void) | undefined;
}

/** Options for {@link DemoHost}. */
export interface DemoHostOptions {
  /** The host's name in the output, e.g. "node1". */
  readonly name: string;
  /** The host's leased subnet. */
  readonly subnet: Cidr4;
  /** The host's UDP socket, bound to its public IP and the network's port. */
  readonly socket: EventedDatagramSocket;
  /** The UDP port of the peers' engines. */
  readonly peerPort: number;
  /** Accept datagrams only from the routes' peers. Default true. */
  readonly sourceFilter?: boolean;
}

// The most packets one pump run moves before yielding to the event loop:
// a bound on any loop between the two hosts.
const MAX_STEPS_PER_RUN = 256;

/**
 * A simulated host's data path and the containers on it. Route peers with
 * {@link DemoHost.routes} (the demo follows the peers' leases), attach
 * containers with {@link DemoHost.attach}.
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it opens UDP sockets on loopback.
 * import { DemoHost } from "./demo-host.ts";
 * import { DgramDatagramSocket } from "./dgram-datagram-socket.ts";
 * import { parseCidr4 } from "../subnet/cidr.ts";
 * const socket = (await DgramDatagramSocket.bind("127.0.0.1", 0))._unsafeUnwrap();
 * const host = new DemoHost({ name: "node1", subnet: parseCidr4("172.20.62.0/24")._unsafeUnwrap(), socket, peerPort: socket.local.port });
 * const container = host.attach(0xac143e02); // 172.20.62.2
 * container.address; // 2886090242
 * await socket.close();
 * ```
 */
export class DemoHost {
  readonly name: string;
  readonly subnet: Cidr4;
  /** The engine's routes: which peer holds which subnet. */
  readonly routes: RouteTable;
  readonly #datapath: UdpDatapath;
  readonly #tun: MemoryTun;
  readonly #outbound: OutboundPump;
  readonly #inbound: InboundPump;
  readonly #containers = new Map<number, DemoContainer>();
  #scheduled = false;

  /** @param options see {@link DemoHostOptions} */
  constructor(options: DemoHostOptions) {
    this.name = options.name;
    this.subnet = options.subnet;
    this.routes = new RouteTable([], { defaultPort: options.peerPort });
    // The TUN's address is the subnet's network address, as flanneld sets it.
    this.#datapath = new UdpDatapath({ routes: this.routes, localAddress: options.subnet.address, sourceFilter: options.sourceFilter ?? true });
    // The TUN's other side: packets from containers wait for the outbound pump;
    // what the inbound pump writes is handed to the container at once.
    this.#tun = new MemoryTun({ onWrite: (packet) => this.#toContainer(packet) });
    this.#outbound = new OutboundPump(this.#datapath, this.#tun, options.socket);
    this.#inbound = new InboundPump(this.#datapath, this.#tun, options.socket);
    options.socket.onReadable = () => this.#schedule();
  }

  /**
   * Puts a container on the host: an address of the host's subnet that
   * answers echo requests, as a container's kernel does, and hands every
   * other packet to its `onPacket`.
   *
   * @param address the container's address (uint32), inside the subnet
   * @returns the container
   */
  attach(address: number): DemoContainer {
    if (!cidrContainsIp(this.subnet, ip4(address))) {
      throw new RangeError(`DemoHost.attach: ${formatIp(ip4(address))} is not in ${this.name}'s subnet`);
    }
    const container = new DemoContainer(address, (packet) => {
      this.#tun.pending.push(packet);
      this.#schedule();
    });
    this.#containers.set(address, container);
    return container;
  }

  /**
   * Stops pumping: the TUN side reports itself gone and nothing more is
   * scheduled (the socket is the caller's to close). Idempotent.
   */
  close(): void {
    this.#tun.closed = true;
  }

  /** The engine's counters: packets and bytes each way, drops by reason. */
  counters(): UdpCounters {
    return readUdpCounters([this.#datapath.counters]);
  }

  #toContainer(packet: Uint8Array): void {
    const destination = ((packet[16]! << 24) | (packet[17]! << 16) | (packet[18]! << 8) | packet[19]!) >>> 0;
    // A packet for an address with no container is lost, as the kernel would lose it on docker0.
    this.#containers.get(destination)?.receive(packet);
  }

  // Pumps soon after a packet arrived (a microtask: no timer delay on the
  // round-trip times); a run that hit its bound continues after a timer
  // turn, so that sockets and timers get their turn meanwhile.
  #schedule(later = false): void {
    if (this.#scheduled || this.#tun.closed) return;
    this.#scheduled = true;
    const run = (): void => {
      this.#scheduled = false;
      let steps = 0;
      let moved = true;
      while (moved && steps < MAX_STEPS_PER_RUN && !this.#tun.closed) {
        moved = this.#outbound.step(0) === 1;
        if (this.#inbound.step(0) === 1) moved = true;
        steps++;
      }
      if (moved) this.#schedule(true);
    };
    if (later) setTimeout(run, 0);
    else queueMicrotask(run);
  }
}

/**
 * A userspace endpoint with one address on a {@link DemoHost}: what a
 * container's network namespace would be, reduced to sending packets,
 * receiving them, and answering pings.
 */
export class DemoContainer {
  /** The container's address (uint32). */
  readonly address: number;
  /** Called with every packet addressed to the container that is not an echo request. */
  onPacket: ((packet: Uint8Array) => void) | undefined;
  readonly #send: (packet: Uint8Array) => void;

  /**
   * @param address the container's address
   * @param send hands a packet to the host (into its TUN)
   */
  constructor(address: number, send: (packet: Uint8Array) => void) {
    this.address = address;
    this.#send = send;
  }

  /** Sends an IPv4 packet from the container into its host. */
  send(packet: Uint8Array): void {
    this.#send(packet);
  }

  /** Takes a packet the host delivers: echo requests are answered, the rest goes to `onPacket`. */
  receive(packet: Uint8Array): void {
    const reply = echoReplyFor(packet);
    if (reply !== undefined) this.#send(reply);
    else this.onPacket?.(packet);
  }
}
