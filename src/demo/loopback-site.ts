/**
 * The demo's default site, without root: two hosts on loopback (PublicIPs
 * 127.0.0.1 and 127.0.0.2, one UDP port for both), each with the UDP
 * engine's datapath and pumps over a real UDP socket, and a simulated TUN
 * device whose other side is a userspace container that answers pings.
 *
 * @module
 */
import { err, errAsync, ok, okAsync, type Result, ResultAsync } from "neverthrow";
import type { UdpCounters } from "../backend/udp/udp-counters.ts";
import type { Clock } from "../core/clock.ts";
import { DEFAULT_UDP_PORT } from "../core/defaults.ts";
import type { ExternalInterface } from "../backend/backend.ts";
import type { UdpEnginePort, UdpEngineSpec } from "../backend/udp/udp-backend.ts";
import type { PortError } from "../flannel/agent-ports.ts";
import { formatCidr } from "../subnet/cidr.ts";
import { formatIp, type Ip4, ip4, ipEquals, parseIp4 } from "../subnet/ip.ts";
import type { DemoDockerStep } from "./demo-docker-step.ts";
import { type DemoContainer, DemoHost, type EventedDatagramSocket } from "./demo-host.ts";
import { Pinger, type PingResult } from "./pinger.ts";
import type { DemoPingRequest, DemoSite, DemoSiteError, DemoSiteHost, OpenDemoSite } from "./run-demo.ts";

/** The MTU the loopback hosts' external interface is given (Ethernet's), so that FLANNEL_MTU is 1472 as on the seed's hosts. */
export const LOOPBACK_UNDERLAY_MTU = 1500;

/** A bound UDP socket the site can pump and close. */
export interface LoopbackSocket extends EventedDatagramSocket {
  /** Where it is bound. */
  readonly local: { readonly address: string; readonly port: number };
  close(): Promise<void>;
}

/** Why a socket could not be bound. */
export interface LoopbackBindError {
  readonly kind: "udp-bind";
  /** The address and port asked for, e.g. "127.0.0.2:8285". */
  readonly address: string;
  /** The system's code, e.g. "EADDRINUSE". */
  readonly code: string;
  readonly message: string;
}

/** Options for {@link loopbackSite}. */
export interface LoopbackSiteOptions {
  /** Binds a UDP socket; port 0 for one the system picks. */
  readonly bindSocket: (address: string, port: number) => ResultAsync<LoopbackSocket, LoopbackBindError>;
  /** Makes each host's Docker step. Default: the agents leave Docker alone. */
  readonly docker?: (host: string) => DemoDockerStep;
  /** Timers of the pings. */
  readonly clock: Clock;
  /** A monotonic time in microseconds, for round-trip times. */
  readonly micros: () => number;
}

const PUBLIC_IPS: readonly [Ip4, Ip4] = [parseIp4("127.0.0.1")._unsafeUnwrap(), parseIp4("127.0.0.2")._unsafeUnwrap()];

/**
 * The loopback site: binds a UDP socket per host, on 8285 when both
 * loopback addresses have it free, else on one port the system picks.
 *
 * @param options socket binder, Docker step, clock
 * @returns the opener for {@link runDemo}
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it opens UDP sockets on loopback.
 * import { loopbackSite } from "./loopback-site.ts";
 * import { DgramDatagramSocket } from "./dgram-datagram-socket.ts";
 * import { systemClock } from "../core/clock.ts";
 * const site = loopbackSite({
 *   bindSocket: (address, port) => DgramDatagramSocket.bind(address, port),
 *   clock: systemClock,
 *   micros: () => performance.now() * 1000,
 * });
 * const opened = await site();
 * if (opened.isOk()) await opened.value.close();
 * ```
 */
export function loopbackSite(options: LoopbackSiteOptions): OpenDemoSite {
  return () => new ResultAsync(open(options));
}

async function open(options: LoopbackSiteOptions): Promise<Result<DemoSite, DemoSiteError>> {
  let lastError: LoopbackBindError | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const first = await options.bindSocket(formatIp(PUBLIC_IPS[0]), attempt === 0 ? DEFAULT_UDP_PORT : 0);
    if (first.isErr()) {
      lastError = first.error;
      if (first.error.code === "EADDRINUSE" && attempt === 0) continue;
      break;
    }
    const port = first.value.local.port;
    const second = await options.bindSocket(formatIp(PUBLIC_IPS[1]), port);
    if (second.isOk()) {
      const hosts = [new LoopbackHost("node1", PUBLIC_IPS[0], first.value, port, options), new LoopbackHost("node2", PUBLIC_IPS[1], second.value, port, options)] as const;
      return ok({
        description: "UDP over loopback, no root, nothing written to disk",
        port,
        hosts,
        close: async () => {
          await Promise.all(hosts.map((h) => h.close()));
        },
      });
    }
    await first.value.close();
    lastError = second.error;
    if (second.error.code !== "EADDRINUSE") break;
  }
  return err({ kind: "demo-site", message: lastError?.message ?? "no UDP socket could be bound on loopback" });
}

// One loopback host: its socket is bound before the agent starts; the
// engine (a DemoHost) is made when the agent opens its data path.
class LoopbackHost implements DemoSiteHost {
  readonly name: string;
  readonly external: ExternalInterface;
  readonly note: string;
  readonly docker: DemoDockerStep | undefined;
  readonly #socket: LoopbackSocket;
  readonly #port: number;
  readonly #options: LoopbackSiteOptions;
  #host: DemoHost | undefined;
  #container: DemoContainer | undefined;

  constructor(name: string, publicIp: Ip4, socket: LoopbackSocket, port: number, options: LoopbackSiteOptions) {
    this.name = name;
    this.external = { name: "lo", mtu: LOOPBACK_UNDERLAY_MTU, ifaceAddress: publicIp, publicIp };
    this.note = `external interface lo at ${formatIp(publicIp)}, given MTU ${LOOPBACK_UNDERLAY_MTU}; TUN simulated`;
    this.docker = options.docker?.(name);
    this.#socket = socket;
    this.#port = port;
    this.#options = options;
  }

  readonly openEngine = (spec: UdpEngineSpec): ResultAsync<UdpEnginePort, PortError> => {
    if (!ipEquals(spec.bindAddress, this.external.ifaceAddress) || spec.port !== this.#port) {
      return errAsync({ kind: "data-path", message: `the demo bound ${formatIp(this.external.ifaceAddress)}:${this.#port}, not ${formatIp(spec.bindAddress)}:${spec.port}` });
    }
    const host = new DemoHost({ name: this.name, subnet: spec.subnet, socket: this.#socket, peerPort: this.#port, sourceFilter: spec.sourceFilter });
    this.#host = host;
    this.#container = host.attach(spec.subnet.address + 2);
    return okAsync({
      setRoute: (subnet, publicIp) => host.routes.set(subnet, publicIp),
      deleteRoute: (subnet) => {
        host.routes.delete(subnet);
      },
      // The socket stays open until the site closes (it was bound before the agent started).
      close: () => {
        host.close();
        return Promise.resolve();
      },
    });
  };

  routes(): readonly string[] {
    return (this.#host?.routes.routes() ?? []).map((r) => `${formatCidr(r.subnet)} -> ${formatIp(r.peer)}:${r.port}`);
  }

  settled(): Promise<void> {
    return Promise.resolve();
  }

  container(): Ip4 | undefined {
    return this.#container === undefined ? undefined : ip4(this.#container.address);
  }

  async ping(request: DemoPingRequest): Promise<PingResult> {
    const source = this.#container;
    const target = request.to.container();
    if (source === undefined || target === undefined) throw new Error("LoopbackHost.ping: before the data paths opened");
    const pinger = new Pinger({
      source: source.address,
      destination: target.value,
      count: request.count,
      intervalMs: request.intervalMs,
      timeoutMs: request.timeoutMs,
      id: this.name === "node1" ? 1 : 2,
      send: (packet) => source.send(packet),
      print: request.print,
      clock: this.#options.clock,
      micros: this.#options.micros,
    });
    source.onPacket = (packet) => pinger.deliver(packet);
    try {
      return await pinger.run();
    } finally {
      source.onPacket = undefined;
    }
  }

  counters(): Promise<UdpCounters | undefined> {
    return Promise.resolve(this.#host?.counters());
  }

  async close(): Promise<void> {
    this.#host?.close();
    await this.#socket.close();
  }
}
