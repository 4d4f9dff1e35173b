import { err, errAsync, ok, okAsync, ResultAsync, type Result } from "neverthrow";
import { sleep, systemClock } from "../../core/clock.ts";
import { DEFAULT_TUN_NAME, DEFAULT_UDP_PORT } from "../../core/defaults.ts";
import type { Libc } from "../../libc/libc.ts";
import { cidrNetwork, type Cidr4, type Ip4 } from "../../subnet/index.ts";
import { openTun, type OpenedTun, type TunOpenError } from "./open-tun.ts";
import { openUdpSocket, type OpenedUdpSocket, type UdpSocketOpenError } from "./open-udp-socket.ts";
import { publishRoutes, RouteLog } from "./route-log.ts";
import { RouteTable, type Route } from "./route-table.ts";
import { tunSetupCommands } from "./tun-setup-commands.ts";
import { COUNTER_SLOTS, readUdpCounters, type UdpCounters } from "./udp-counters.ts";
import { CONTROL_STOP, type ForwarderDirection, type ForwarderInit } from "./udp-forwarder.ts";

/** Options of {@link startUdpEngineOn} (and of the runtimes' `startUdpEngine`). */
export interface UdpEngineOptions {
  /** The TUN device's name. Default "flannel0", flanneld's. */
  readonly device?: string;
  /** This host's subnet: the TUN gets its network address as a /32 and ICMP messages come from it. */
  readonly subnet: Cidr4;
  /** The whole flannel network, routed into the TUN. */
  readonly network: Cidr4;
  /** The TUN's MTU: the underlay interface's MTU minus 28. Default 1472 (a 1500-byte underlay). */
  readonly mtu?: number;
  /** The local address to bind the UDP port to. Default 0.0.0.0 (every address). */
  readonly bind?: Ip4;
  /** The UDP port, the same on every host. Default 8285. */
  readonly port?: number;
  /** Routes to start with; more come and go through {@link UdpEngine.routes}. Default none. */
  readonly routes?: Iterable<Route>;
  /**
   * Accept datagrams only from the public IP of a route's peer. Default
   * true; flanneld accepts every sender.
   */
  readonly sourceFilter?: boolean;
  /**
   * Use the kernel's offloads: TSO and checksum offload on the TUN, UDP GSO
   * and GRO on the socket. The bytes on the wire are the same either way.
   * Default true.
   */
  readonly offload?: boolean;
  /** How often (ms) an idle forwarding thread checks whether to stop. Default 100. */
  readonly pollMs?: number;
}

/** A running engine: one TUN, one UDP port, two forwarding threads. */
export interface UdpEngine {
  /** The TUN device's name. */
  readonly device: string;
  /** The routes. Changes reach the forwarding threads between two packets. */
  readonly routes: RouteTable;
  /** Which offloads are on. */
  readonly offload: { readonly tun: boolean; readonly gso: boolean; readonly gro: boolean };
  /** A snapshot of the counters of both directions. */
  counters(): UdpCounters;
  /**
   * Settles only if a forwarding thread ends without being asked to (its
   * device or socket vanished, or it crashed), with the reason; the engine
   * then no longer forwards that way and should be closed.
   */
  readonly failed: Promise<string>;
  /** Stops forwarding, closes the socket and removes the TUN device. Safe to call twice. */
  close(): Promise<void>;
}

/** Why `ip` could not configure the TUN device. */
export interface TunConfigError {
  readonly kind: "tun-config";
  /** The command that failed, e.g. "ip addr add 10.5.1.0/32 dev flannel0". */
  readonly command: string;
  readonly message: string;
}

/** A forwarding thread did not start. */
export interface ForwarderStartError {
  readonly kind: "forwarder-start";
  readonly direction: ForwarderDirection;
  readonly message: string;
}

/** Why the engine did not start. */
export type UdpEngineError = TunOpenError | UdpSocketOpenError | TunConfigError | ForwarderStartError;

/** The output of a finished command (the shape of the Node adapter's `runCommand`). */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A running forwarding thread, as the runtime reports it. */
export interface ForwarderThread {
  /** Resolves once the thread runs its loop; rejects when it could not start. */
  readonly ready: Promise<void>;
  /**
   * Resolves when the thread has ended: with undefined after a stop
   * request, with the reason when it ended on its own.
   */
  readonly exited: Promise<string | undefined>;
  /** Ends the thread at once (after a stop request went unanswered). */
  terminate(): Promise<void>;
}

/** What a runtime supplies to run the engine. */
export interface UdpEnginePlatform {
  /** The C library binding of this thread. */
  readonly libc: Libc;
  /** Writes a file (here a sysctl under /proc/sys). */
  readonly writeTextFile: (path: string, text: string) => ResultAsync<void, { readonly message: string }>;
  /** Runs a program (here `ip`) without a shell. */
  readonly runCommand: (command: string, args: readonly string[]) => ResultAsync<CommandResult, { readonly message: string }>;
  /** Starts a thread that runs `runLibcForwarder(init, itsLibc)`. */
  readonly startForwarder: (init: ForwarderInit) => ForwarderThread;
}

const DIRECTIONS: readonly ForwarderDirection[] = ["outbound", "inbound"];

function checkOptions(options: UdpEngineOptions): Result<void, TunConfigError> {
  const mtu = options.mtu ?? 1472;
  const port = options.port ?? DEFAULT_UDP_PORT;
  if (!Number.isInteger(mtu) || mtu < 68 || mtu > 65535) return err({ kind: "tun-config", command: "", message: `MTU ${mtu} is not between 68 and 65535` });
  if (!Number.isInteger(port) || port < 1 || port > 65535) return err({ kind: "tun-config", command: "", message: `UDP port ${port} is not between 1 and 65535` });
  return ok(undefined);
}

/**
 * Starts the engine with a runtime's platform: creates and configures the
 * TUN device, binds the UDP port, and starts one forwarding thread per
 * direction. On failure, whatever was set up is undone. The Node and Deno
 * adapters call this as `startUdpEngine(options)`.
 *
 * @param platform the runtime's libc, command runner and threads
 * @param options see {@link UdpEngineOptions}
 * @returns the running engine, or why it could not start
 */
export function startUdpEngineOn(platform: UdpEnginePlatform, options: UdpEngineOptions): ResultAsync<UdpEngine, UdpEngineError> {
  const checked = checkOptions(options);
  if (checked.isErr()) return errAsync(checked.error);
  const { libc } = platform;
  const name = options.device ?? DEFAULT_TUN_NAME;
  const offload = options.offload ?? true;

  const removeDevice = (tun: OpenedTun): Promise<void> => {
    libc.close(tun.fd);
    // Closing the last descriptor removes a non-persistent TUN; this covers
    // a device that someone made persistent meanwhile. Its absence is fine.
    return platform.runCommand("ip", ["link", "del", "dev", tun.name]).match(
      () => undefined,
      () => undefined,
    );
  };

  const configure = (tun: OpenedTun): ResultAsync<OpenedTun, TunConfigError> => {
    const commands = tunSetupCommands({ name: tun.name, subnet: options.subnet, network: options.network, mtu: options.mtu ?? 1472 });
    let chain: ResultAsync<void, TunConfigError> = okAsync(undefined);
    for (const args of commands) {
      const command = `ip ${args.join(" ")}`;
      chain = chain.andThen(() =>
        platform
          .runCommand("ip", args)
          .mapErr((e): TunConfigError => ({ kind: "tun-config", command, message: `${command}: ${e.message}` }))
          .andThen((out) =>
            out.code === 0 ? ok(undefined) : err<void, TunConfigError>({ kind: "tun-config", command, message: `${command} failed: ${out.stderr.trim() || `exit ${out.code}`}` }),
          ),
      );
    }
    // The ICMP messages the engine writes come from the TUN's own address;
    // without accept_local the kernel drops them as martians (flanneld's do
    // get dropped), so a ping would just time out.
    const acceptLocal = `/proc/sys/net/ipv4/conf/${tun.name}/accept_local`;
    chain = chain.andThen(() =>
      platform.writeTextFile(acceptLocal, "1\n").mapErr((e): TunConfigError => ({ kind: "tun-config", command: `echo 1 > ${acceptLocal}`, message: `cannot set ${acceptLocal}: ${e.message}` })),
    );
    return chain.map(() => tun).orElse((e) => ResultAsync.fromSafePromise(removeDevice(tun)).andThen(() => errAsync(e)));
  };

  const openSocket = (tun: OpenedTun): ResultAsync<[OpenedTun, OpenedUdpSocket], UdpEngineError> => {
    const socket = openUdpSocket(libc, options.bind?.value ?? 0, options.port ?? DEFAULT_UDP_PORT, { offload });
    if (socket.isErr()) return ResultAsync.fromSafePromise(removeDevice(tun)).andThen(() => errAsync(socket.error));
    return okAsync([tun, socket.value]);
  };

  const start = ([tun, socket]: [OpenedTun, OpenedUdpSocket]): ResultAsync<UdpEngine, UdpEngineError> => {
    const routes = new RouteTable(options.routes ?? [], { defaultPort: options.port ?? DEFAULT_UDP_PORT });
    const control = new SharedArrayBuffer(64);
    const counters = new SharedArrayBuffer(DIRECTIONS.length * COUNTER_SLOTS * 8);
    const log = RouteLog.create({ readers: DIRECTIONS.length });
    const unpublish = publishRoutes(routes, log);
    const threads = DIRECTIONS.map((direction, index) =>
      platform.startForwarder({
        direction,
        index,
        localAddress: cidrNetwork(options.subnet).address,
        localPrefix: options.subnet.prefix,
        sourceFilter: options.sourceFilter ?? true,
        defaultPort: options.port ?? DEFAULT_UDP_PORT,
        pollMs: options.pollMs ?? 100,
        control,
        counters,
        routeLog: log.buffer,
        tun: { fd: tun.fd, vnetHeader: tun.vnetHeader },
        socket: { fd: socket.fd, maxSegments: socket.maxSegments, gro: socket.gro },
      }),
    );
    let closing: Promise<void> | undefined;
    const stop = (): Promise<void> => {
      closing ??= (async () => {
        unpublish();
        Atomics.store(new Int32Array(control), CONTROL_STOP, 1);
        const grace = (options.pollMs ?? 100) * 5 + 1000;
        await Promise.all(
          threads.map(async (thread) => {
            const waited = new AbortController();
            const exited = await Promise.race([thread.exited.then(() => true), sleep(systemClock, grace, waited.signal).then(() => false)]);
            waited.abort();
            if (!exited) await thread.terminate();
          }),
        );
        libc.close(socket.fd);
        await removeDevice(tun);
      })();
      return closing;
    };
    const blocks = DIRECTIONS.map((_, i) => new Float64Array(counters, i * COUNTER_SLOTS * 8, COUNTER_SLOTS));
    const engine: UdpEngine = {
      device: tun.name,
      routes,
      offload: { tun: tun.offload, gso: socket.maxSegments > 1, gro: socket.gro },
      counters: () => readUdpCounters(blocks),
      failed: Promise.race(
        threads.map((thread, i) =>
          thread.exited.then((reason) =>
            // A thread that ends after the stop request ended as asked.
            reason === undefined || closing !== undefined ? new Promise<string>(() => undefined) : `the ${DIRECTIONS[i]!} forwarding thread ended: ${reason}`,
          ),
        ),
      ),
      close: stop,
    };
    const ready = ResultAsync.combine(
      threads.map((thread, i) =>
        ResultAsync.fromPromise(thread.ready, (cause): ForwarderStartError => {
          const direction = DIRECTIONS[i]!;
          const reason = cause instanceof Error ? cause.message : String(cause);
          return { kind: "forwarder-start", direction, message: `the ${direction} forwarding thread did not start: ${reason}` };
        }),
      ),
    );
    return ready
      .map(() => engine)
      .orElse((e) => ResultAsync.fromSafePromise(stop()).andThen(() => errAsync(e)));
  };

  return ResultAsync.fromSafePromise(Promise.resolve())
    .andThen(() => openTun(libc, name, { offload }))
    .andThen(configure)
    .andThen(openSocket)
    .andThen(start);
}
