import { err, errAsync, ok, okAsync, type Result, ResultAsync } from "neverthrow";
import { sleep, systemClock } from "../../core/clock.ts";
import { DEFAULT_TUN_NAME, DEFAULT_UDP_PORT } from "../../core/defaults.ts";
import type { Libc } from "../../libc/libc.ts";
import { type Cidr4, cidrNetwork, formatCidr, type Ip4 } from "../../subnet/index.ts";
import { parseIpAddrs, parseIpLinks, parseIpRoutes } from "./_ip-json.ts";
import { checkUdpEngineOptions, type UdpEngineOptionError } from "./check-udp-engine-options.ts";
import { type OpenedTun, openTun, type TunOpenError } from "./open-tun.ts";
import { type OpenedUdpSocket, openUdpSocket, type UdpSocketOpenError } from "./open-udp-socket.ts";
import { publishRoutes, RouteLog } from "./route-log.ts";
import { type Route, RouteTable } from "./route-table.ts";
import { acceptLocalPath, planTunSetup, type TunHostConflictError, type TunHostState, type TunSetupPlan, type TunSetupStep } from "./tun-setup-plan.ts";
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
  /**
   * Stops forwarding, closes the socket and takes back what the engine
   * changed: the TUN device if it created it, else only the address, route,
   * MTU, link state and accept_local it set on the existing device. Safe to
   * call twice.
   */
  close(): Promise<void>;
}

/** Why `ip` could not read or configure the TUN device and its route. */
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
export type UdpEngineError = UdpEngineOptionError | TunHostConflictError | TunOpenError | UdpSocketOpenError | TunConfigError | ForwarderStartError;

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
  /** Reads a file (here a sysctl under /proc/sys). */
  readonly readTextFile: (path: string) => ResultAsync<string, { readonly message: string }>;
  /** Writes a file (here a sysctl under /proc/sys). */
  readonly writeTextFile: (path: string, text: string) => ResultAsync<void, { readonly message: string }>;
  /** Runs a program (here `ip`) without a shell. */
  readonly runCommand: (command: string, args: readonly string[]) => ResultAsync<CommandResult, { readonly message: string }>;
  /** Starts a thread that runs `runLibcForwarder(init, itsLibc)`. */
  readonly startForwarder: (init: ForwarderInit) => ForwarderThread;
}

const DIRECTIONS: readonly ForwarderDirection[] = ["outbound", "inbound"];

const ignore = (): undefined => undefined;

/**
 * Starts the engine with a runtime's platform. In this order, so that a
 * failed start leaves the host as it was: checks the options
 * ({@link checkUdpEngineOptions}), reads the device and the network's route
 * and plans the changes ({@link planTunSetup}; a device or route in the way
 * is an error), binds the UDP port, creates the TUN device (or attaches to a
 * persistent one that exists), makes the planned changes, and starts one
 * forwarding thread per direction. On failure, and on close, exactly what
 * was changed is taken back, newest first. The Node and Deno adapters call
 * this as `startUdpEngine(options)`.
 *
 * @param platform the runtime's libc, command runner, files and threads
 * @param options see {@link UdpEngineOptions}
 * @returns the running engine, or why it could not start
 */
export function startUdpEngineOn(platform: UdpEnginePlatform, options: UdpEngineOptions): ResultAsync<UdpEngine, UdpEngineError> {
  const checked = checkUdpEngineOptions(options);
  if (checked.isErr()) return errAsync(checked.error);
  const { libc } = platform;
  const requested = options.device ?? DEFAULT_TUN_NAME;
  const mtu = options.mtu ?? 1472;
  const offload = options.offload ?? true;
  const network = formatCidr(cidrNetwork(options.network));

  const ip = (args: readonly string[]): ResultAsync<CommandResult, TunConfigError> => {
    const command = `ip ${args.join(" ")}`;
    return platform.runCommand("ip", args).mapErr((e): TunConfigError => ({ kind: "tun-config", command, message: `${command}: ${e.message}` }));
  };
  const ipOk = (args: readonly string[]): ResultAsync<string, TunConfigError> =>
    ip(args).andThen((out) => {
      const command = `ip ${args.join(" ")}`;
      return out.code === 0
        ? ok(out.stdout)
        : err<string, TunConfigError>({ kind: "tun-config", command, message: `${command} failed: ${out.stderr.trim() || `exit ${out.code}`}` });
    });
  const parsed = <T>(args: readonly string[], result: Result<T, string>): Result<T, TunConfigError> =>
    result.mapErr((message) => ({ kind: "tun-config", command: `ip ${args.join(" ")}`, message }));

  const readDevice = (): ResultAsync<TunHostState["device"], TunConfigError> => {
    // The kernel picks a free name for a %d pattern: the device is new.
    if (requested.includes("%")) return okAsync(undefined);
    const show = ["-j", "-d", "link", "show", "dev", requested];
    return ip(show).andThen((out) => {
      if (out.code !== 0 && /does not exist/.test(out.stderr)) return okAsync(undefined);
      if (out.code !== 0) {
        return errAsync<undefined, TunConfigError>({
          kind: "tun-config",
          command: `ip ${show.join(" ")}`,
          message: `ip ${show.join(" ")} failed: ${out.stderr.trim() || `exit ${out.code}`}`,
        });
      }
      const link = parsed(show, parseIpLinks(out.stdout)).map((links) => links.find((l) => l.name === requested));
      if (link.isErr()) return errAsync(link.error);
      const found = link.value;
      if (found === undefined) return okAsync(undefined);
      const addrs = ["-j", "addr", "show", "dev", requested];
      const path = acceptLocalPath(requested);
      return ipOk(addrs)
        .andThen((text) => parsed(addrs, parseIpAddrs(text)))
        .andThen((addresses) =>
          platform
            .readTextFile(path)
            .mapErr((e): TunConfigError => ({ kind: "tun-config", command: `cat ${path}`, message: `cannot read ${path}: ${e.message}` }))
            .map((acceptLocal) => ({ ...found, addresses, acceptLocal }))
        );
    });
  };

  const readState = (): ResultAsync<TunHostState, TunConfigError> => {
    const show = ["-j", "route", "show", "exact", network];
    return readDevice().andThen((device) =>
      ipOk(show)
        .andThen((text) => parsed(show, parseIpRoutes(text)))
        .map((networkRoutes) => ({ device, networkRoutes }))
    );
  };

  const planFor = (name: string, state: TunHostState): Result<TunSetupPlan, TunHostConflictError> =>
    planTunSetup({ name, subnet: options.subnet, network: options.network, mtu }, state);

  // What was changed, newest last; each entry takes one change back.
  const undo: (() => Promise<void>)[] = [];
  const undoAll = async (): Promise<void> => {
    for (let step = undo.pop(); step !== undefined; step = undo.pop()) await step();
  };

  const apply = (step: TunSetupStep): ResultAsync<void, TunConfigError> => {
    if (step.run === "ip") {
      return ipOk(step.args).map(() => {
        const back = step.undo;
        if (back !== undefined) undo.push(() => ip(back).match(ignore, ignore));
      });
    }
    return platform
      .writeTextFile(step.path, step.text)
      .mapErr((e): TunConfigError => ({ kind: "tun-config", command: `echo ${step.text.trim()} > ${step.path}`, message: `cannot set ${step.path}: ${e.message}` }))
      .map(() => {
        const back = step.undo;
        if (back !== undefined) undo.push(() => platform.writeTextFile(step.path, back).match(ignore, ignore));
      });
  };

  const failWith = <E>(e: E): ResultAsync<never, E> => ResultAsync.fromSafePromise(undoAll()).andThen(() => errAsync(e));

  const setUp = (state: TunHostState, planned: TunSetupPlan): ResultAsync<[OpenedTun, OpenedUdpSocket], UdpEngineError> => {
    // The port first: a port in use must not cost anyone a device or a route.
    const socket = openUdpSocket(libc, options.bind?.value ?? 0, options.port ?? DEFAULT_UDP_PORT, { offload });
    if (socket.isErr()) return errAsync(socket.error);
    undo.push(() => Promise.resolve(libc.close(socket.value.fd)).then(ignore));
    // Offloads change a device's features beyond the engine's run: only on its own device.
    const tun = openTun(libc, requested, { offload: offload && planned.createsDevice });
    if (tun.isErr()) return failWith(tun.error);
    // Closing the last descriptor removes a device the engine created; a persistent one stays.
    undo.push(() => Promise.resolve(libc.close(tun.value.fd)).then(ignore));
    const plan = tun.value.name === requested ? ok(planned) : planFor(tun.value.name, state);
    if (plan.isErr()) return failWith(plan.error);
    let chain: ResultAsync<void, TunConfigError> = okAsync(undefined);
    for (const step of plan.value.steps) chain = chain.andThen(() => apply(step));
    return chain.map((): [OpenedTun, OpenedUdpSocket] => [tun.value, socket.value]).orElse(failWith);
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
      })
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
        await undoAll();
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
            reason === undefined || closing !== undefined ? new Promise<string>(() => undefined) : `the ${DIRECTIONS[i]!} forwarding thread ended: ${reason}`
          )
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
        })
      ),
    );
    return ready
      .map(() => engine)
      .orElse((e) => ResultAsync.fromSafePromise(stop()).andThen(() => errAsync(e)));
  };

  return readState()
    .andThen((state) => planFor(requested, state).map((plan) => [state, plan] as const))
    .andThen(([state, plan]) => setUp(state, plan))
    .andThen(start);
}
