import type { Libc } from "../../libc/libc.ts";
import { LibcTun, LibcUdpSocket } from "./libc-ports.ts";
import type { DatagramSocket, TunDevice } from "./packet-ports.ts";
import { RouteLog } from "./route-log.ts";
import { RouteTable } from "./route-table.ts";
import { COUNTER_SLOTS } from "./udp-counters.ts";
import { UdpDatapath } from "./udp-datapath.ts";
import { InboundPump, OutboundPump } from "./udp-pumps.ts";

/** Which way a forwarding thread moves packets. */
export type ForwarderDirection = "outbound" | "inbound";

/** Slot of the stop flag in the control words. */
export const CONTROL_STOP = 0;

/**
 * Everything a forwarding thread needs, as plain data that can be posted
 * to a worker: the descriptors, the settings and the shared memory.
 */
export interface ForwarderInit {
  readonly direction: ForwarderDirection;
  /** This thread's counter block and route log reader number. */
  readonly index: number;
  /** The TUN's address (uint32), the source of ICMP messages. */
  readonly localAddress: number;
  /** The prefix length of this host's subnet. */
  readonly localPrefix: number;
  readonly sourceFilter: boolean;
  readonly defaultPort: number;
  /** How long a wait for a packet lasts before the stop flag is checked again. */
  readonly pollMs: number;
  /** Int32 control words; {@link CONTROL_STOP} set to 1 asks the thread to end. */
  readonly control: SharedArrayBuffer;
  /** Float64 counter blocks of {@link COUNTER_SLOTS}, one per thread. */
  readonly counters: SharedArrayBuffer;
  /** The {@link RouteLog}'s memory. */
  readonly routeLog: SharedArrayBuffer;
  readonly tun: { readonly fd: number; readonly vnetHeader: boolean };
  readonly socket: { readonly fd: number; readonly maxSegments: number; readonly gro: boolean };
}

/** How a forwarding loop ended: asked to stop, or its device or socket went away. */
export type ForwarderExit = "stopped" | "port-gone";

/**
 * The loop of one forwarding thread: keeps a replica of the routes from the
 * route log and pumps packets one way until the stop flag is set. It blocks
 * (in the ports' waits) and never yields to an event loop.
 *
 * @param init the thread's settings and shared memory
 * @param tun the TUN port
 * @param socket the UDP port
 * @returns why it ended
 */
export function runForwarder(init: ForwarderInit, tun: TunDevice, socket: DatagramSocket): ForwarderExit {
  const control = new Int32Array(init.control);
  const log = new RouteLog(init.routeLog);
  const routes = new RouteTable([], { defaultPort: init.defaultPort });
  const datapath = new UdpDatapath({
    routes,
    localAddress: init.localAddress,
    localPrefix: init.localPrefix,
    sourceFilter: init.sourceFilter,
    counters: new Float64Array(init.counters, init.index * COUNTER_SLOTS * 8, COUNTER_SLOTS),
  });
  const reader = init.index;
  const sync = (): void => {
    log.drain(reader, routes);
  };
  const pump = init.direction === "outbound" ? new OutboundPump(datapath, tun, socket, { beforePacket: sync }) : new InboundPump(datapath, tun, socket, { beforePacket: sync });
  const pollMs = init.pollMs;
  sync();
  while (Atomics.load(control, CONTROL_STOP) === 0) {
    if (pump.step(pollMs) < 0) return "port-gone";
  }
  return "stopped";
}

/**
 * {@link runForwarder} over the descriptors in `init`, through `libc`: what
 * a worker of the Node or Deno adapter runs.
 *
 * @param init the thread's settings and shared memory
 * @param libc the runtime's C library binding
 * @returns why it ended
 */
export function runLibcForwarder(init: ForwarderInit, libc: Libc): ForwarderExit {
  const tun = new LibcTun(libc, init.tun.fd, init.tun.vnetHeader);
  const socket = new LibcUdpSocket(libc, init.socket.fd, { maxSegments: init.socket.maxSegments, gro: init.socket.gro });
  return runForwarder(init, tun, socket);
}
