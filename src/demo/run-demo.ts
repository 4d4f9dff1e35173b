/**
 * flannel's main job on one machine, as `flannel-ts demo` shows it: two
 * simulated hosts each run the agent on a shared store; they lease subnets
 * of one network, show the subnet.env and the daemon.json they would write,
 * and carry pings between a container on each through their UDP engines
 * over real UDP sockets on loopback. No root, no files written, no device
 * created: each host's TUN device is simulated, its other side a userspace
 * container that answers pings.
 *
 * @module
 */
import { err, errAsync, ok, okAsync, ResultAsync, type Result } from "neverthrow";
import type { Registry, RegistryError } from "../etcd/registry.ts";
import { formatAgentEvent, type AgentEvent } from "../flannel/agent-events.ts";
import type { DataPath, DataPathSpec, PortError } from "../flannel/agent-ports.ts";
import { registryLeases } from "../flannel/agent-registry-leases.ts";
import { startAgent, type AgentError, type RunningAgent } from "../flannel/agent.ts";
import type { Clock } from "../flannel/clock.ts";
import { formatSubnetEnv, type SubnetEnv } from "../flannel/subnet-env.ts";
import type { UdpCounters } from "../flannel/udp/udp-counters.ts";
import { bridgeAddress } from "../subnet/bridge-address.ts";
import { cidrEquals, formatCidr } from "../subnet/cidr.ts";
import { formatIp, ip4, ipEquals, parseIp4, type Ip4 } from "../subnet/ip.ts";
import { describeNetworkConfig, parseNetworkConfig } from "../subnet/network-config.ts";
import type { Random } from "../subnet/random.ts";
import type { DemoDockerStep } from "./demo-docker-step.ts";
import { DemoHost, type EventedDatagramSocket } from "./demo-host.ts";
import { Pinger, type PingResult } from "./pinger.ts";

/** The seed's network config. */
export const DEMO_NETWORK_CONFIG = '{"Network":"172.20.0.0/16"}';

/** flanneld's UDP port, which the demo's hosts use when it is free on loopback. */
export const DEMO_UDP_PORT = 8285;

/** The MTU the demo gives the simulated hosts' external interface (Ethernet's), so that FLANNEL_MTU is 1472 as on the seed's hosts. */
export const DEMO_UNDERLAY_MTU = 1500;

/** A bound UDP socket the demo can pump and close. */
export interface DemoSocket extends EventedDatagramSocket {
  /** Where it is bound. */
  readonly local: { readonly address: string; readonly port: number };
  close(): Promise<void>;
}

/** Why a socket could not be bound. */
export interface DemoBindError {
  readonly kind: "udp-bind";
  /** The address and port asked for, e.g. "127.0.0.2:8285". */
  readonly address: string;
  /** The system's code, e.g. "EADDRINUSE". */
  readonly code: string;
  readonly message: string;
}

/** Options for {@link runDemo}. */
export interface RunDemoOptions {
  /** The store both hosts share: the in-memory registry, or etcd. */
  readonly registry: Registry;
  /** How the store is named in the output, e.g. "in-memory store". */
  readonly storeLabel: string;
  /** Echo requests each way. Default 3. */
  readonly count?: number;
  /** Milliseconds between two echo requests. Default 200. */
  readonly intervalMs?: number;
  /** Milliseconds to wait for the last replies, and for each host to learn of the other. Default 2000. */
  readonly timeoutMs?: number;
  /** Picks the subnets (seeded: the same leases on every run on an empty store). */
  readonly random: Random;
  /** Timers for the agents, ping intervals and timeouts. */
  readonly clock: Clock;
  /** A monotonic time in microseconds, for round-trip times. */
  readonly micros: () => number;
  /** Binds a UDP socket; port 0 for one the system picks. */
  readonly bindSocket: (address: string, port: number) => ResultAsync<DemoSocket, DemoBindError>;
  /** Makes each host's Docker step. Default: the agents leave Docker alone. */
  readonly docker?: (host: string) => DemoDockerStep;
  /** Receives each output line, without its newline. */
  readonly print: (line: string) => void;
}

/** One simulated host as the demo ran it. */
export interface DemoHostReport {
  readonly name: string;
  readonly publicIp: string;
  readonly port: number;
  /** The leased subnet, e.g. "172.20.62.0/24". */
  readonly subnet: string;
  /** subnet.env as the agent wrote it (to memory). */
  readonly subnetEnv: string;
  /** The container's address, e.g. "172.20.62.2". */
  readonly container: string;
  /** The engine's routes when the pings ran: subnet and peer, e.g. "172.20.9.0/24 -> 127.0.0.2:8285". */
  readonly routes: readonly string[];
  /** The engine's counters at the end. */
  readonly counters: UdpCounters;
}

/** What {@link runDemo} did. */
export interface DemoReport {
  readonly hosts: readonly [DemoHostReport, DemoHostReport];
  /** node1's container pinging node2's, then the reverse. */
  readonly pings: readonly [PingResult, PingResult];
}

/** Why the demo stopped. */
export type DemoError =
  | RegistryError
  | AgentError
  | DemoBindError
  | { readonly kind: "config-conflict"; readonly key: string; readonly existing: string; readonly message: string }
  | { readonly kind: "peer-not-seen"; readonly host: string; readonly message: string };

interface Node {
  readonly name: string;
  readonly publicIp: Ip4;
}

const NODES: readonly [Node, Node] = [
  { name: "node1", publicIp: parseIp4("127.0.0.1")._unsafeUnwrap() },
  { name: "node2", publicIp: parseIp4("127.0.0.2")._unsafeUnwrap() },
];

/**
 * Runs the demo: binds a UDP socket per host on loopback (127.0.0.1 and
 * 127.0.0.2, one port for both as a flannel network has one: 8285 when
 * free), puts the network config when the store has none, starts the agent
 * of each host (lease, subnet.env, UDP engine, Docker step, peer routes),
 * and pings from a container on each host to the other's. The agents stop
 * at the end and release their leases, also after a failure; the registry
 * is the caller's to close.
 *
 * @param options store, random source, clock, socket binder, output
 * @returns what the demo set up and measured, or why it stopped
 * @example
 * ```ts
 * import { runDemo } from "./run-demo.ts";
 * import { DgramDatagramSocket } from "./dgram-datagram-socket.ts";
 * import { MemoryRegistry } from "../etcd/memory-registry.ts";
 * import { systemClock } from "../flannel/clock.ts";
 * import { seededRandom } from "../subnet/random.ts";
 *
 * const registry = new MemoryRegistry({ prefix: "/atomic.io/network" });
 * const report = await runDemo({
 *   registry,
 *   storeLabel: "in-memory store",
 *   random: seededRandom(1),
 *   clock: systemClock,
 *   micros: () => performance.now() * 1000,
 *   bindSocket: (address, port) => DgramDatagramSocket.bind(address, port),
 *   print: (line) => console.log(line),
 * });
 * await registry.close();
 * report.map((r) => r.pings[0].received); // ok(3)
 * ```
 */
export function runDemo(options: RunDemoOptions): ResultAsync<DemoReport, DemoError> {
  return new ResultAsync(new DemoRun(options).run());
}

interface HostState {
  readonly node: Node;
  readonly socket: DemoSocket;
  host?: DemoHost;
  agent?: RunningAgent;
  subnetEnv?: string;
}

class DemoRun {
  readonly #o: RunDemoOptions;
  readonly #states: HostState[] = [];
  readonly #timeoutMs: number;

  constructor(options: RunDemoOptions) {
    this.#o = options;
    this.#timeoutMs = options.timeoutMs ?? 2000;
  }

  async run(): Promise<Result<DemoReport, DemoError>> {
    try {
      return await this.#steps();
    } finally {
      await this.#cleanUp();
    }
  }

  async #steps(): Promise<Result<DemoReport, DemoError>> {
    const o = this.#o;
    o.print(`flannel-ts demo: two simulated hosts run the agent on one ${o.storeLabel}; UDP over loopback, no root, nothing written to disk`);
    o.print("");

    const port = await this.#bindSockets();
    if (port.isErr()) return err(port.error);
    const configText = port.value === DEMO_UDP_PORT ? DEMO_NETWORK_CONFIG : `{"Network":"172.20.0.0/16","Backend":{"Type":"udp","Port":${port.value}}}`;
    const config = await this.#ensureConfig(configText, port.value);
    if (config.isErr()) return err(config.error);

    for (const state of this.#states) {
      const started = await this.#startHost(state, port.value);
      if (started.isErr()) return err(started.error);
    }
    const peersSeen = await this.#waitForPeers();
    if (peersSeen.isErr()) return err(peersSeen.error);

    o.print("== the overlay: each UDP engine routes the other host's subnet, learned from its lease, to that host's PublicIP");
    const routes = this.#states.map((s) => s.host!.routes.routes().map((r) => `${formatCidr(r.subnet)} -> ${formatIp(r.peer)}:${r.port}`));
    for (const [i, s] of this.#states.entries()) for (const route of routes[i]!) o.print(`${s.node.name}: ${route}`);
    o.print("");

    const containers = this.#states.map((s) => s.host!.attach(s.host!.subnet.address + 2));
    const pings: PingResult[] = [];
    for (const [from, to] of [
      [0, 1],
      [1, 0],
    ] as const) {
      const source = containers[from]!;
      const target = containers[to]!;
      const count = o.count ?? 3;
      const destination = formatIp(ip4(target.address));
      const interval = o.intervalMs ?? 200;
      const flags = `-c ${count}${interval === 1000 ? "" : ` -i ${interval / 1000}`}`;
      o.print(`== ${this.#states[from]!.node.name}, in container ${formatIp(ip4(source.address))}: ping ${flags} ${destination}   (a container on ${this.#states[to]!.node.name})`);
      const pinger = new Pinger({
        source: source.address,
        destination: target.address,
        count,
        intervalMs: interval,
        timeoutMs: this.#timeoutMs,
        id: from + 1,
        send: (packet) => source.send(packet),
        print: o.print,
        clock: o.clock,
        micros: o.micros,
      });
      source.onPacket = (packet) => pinger.deliver(packet);
      pings.push(await pinger.run());
      source.onPacket = undefined;
      o.print("");
    }

    o.print("== the UDP engines' counters");
    const counters = this.#states.map((s) => s.host!.counters());
    for (const [i, c] of counters.entries()) o.print(`${this.#states[i]!.node.name}: ${describeCounters(c)}`);
    o.print("");

    const report = (i: number): DemoHostReport => {
      const s = this.#states[i]!;
      return {
        name: s.node.name,
        publicIp: formatIp(s.node.publicIp),
        port: port.value,
        subnet: formatCidr(s.host!.subnet),
        subnetEnv: s.subnetEnv ?? "",
        container: formatIp(ip4(containers[i]!.address)),
        routes: routes[i]!,
        counters: counters[i]!,
      };
    };
    return ok({ hosts: [report(0), report(1)], pings: [pings[0]!, pings[1]!] });
  }

  // One port for both hosts, as a flannel network has one: flanneld's 8285
  // when both loopback addresses have it free, else one the system picks.
  async #bindSockets(): Promise<Result<number, DemoError>> {
    const o = this.#o;
    let lastError: DemoBindError | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const first = await o.bindSocket(formatIp(NODES[0].publicIp), attempt === 0 ? DEMO_UDP_PORT : 0);
      if (first.isErr()) {
        lastError = first.error;
        if (first.error.code === "EADDRINUSE" && attempt === 0) continue;
        return err(first.error);
      }
      const port = first.value.local.port;
      const second = await o.bindSocket(formatIp(NODES[1].publicIp), port);
      if (second.isOk()) {
        this.#states.push({ node: NODES[0], socket: first.value }, { node: NODES[1], socket: second.value });
        return ok(port);
      }
      await first.value.close();
      lastError = second.error;
      if (second.error.code !== "EADDRINUSE") break;
    }
    return err(lastError!);
  }

  // Puts the config when the store has none. An existing config is used only
  // when it is the same network, so that the demo never mixes its loopback
  // leases into a real network.
  async #ensureConfig(text: string, port: number): Promise<Result<void, DemoError>> {
    const o = this.#o;
    const key = `${o.registry.prefix}/config`;
    const wanted = JSON.stringify(parseNetworkConfig(text)._unsafeUnwrap());
    const existing = await o.registry.getConfig();
    if (existing.isErr() && existing.error.kind !== "config-not-found") return err(existing.error);
    if (existing.isOk()) {
      if (JSON.stringify(parseNetworkConfig(existing.value).unwrapOr(null)) !== wanted) {
        return err({
          kind: "config-conflict",
          key,
          existing: existing.value,
          message: `${key} holds another network config (${existing.value}); the demo leases loopback addresses and must not join a real network: give it an empty prefix (--etcd-prefix)`,
        });
      }
      o.print(`${key} already holds ${existing.value}`);
    } else {
      const put = await o.registry.putConfig(text);
      if (put.isErr()) return err(put.error);
      o.print(`$ flannel-ts config set '${text}'${port === DEMO_UDP_PORT ? "" : `   (port 8285 is taken on loopback here, so the demo's network uses ${port})`}`);
    }
    for (const line of lines(describeNetworkConfig(parseNetworkConfig(text)._unsafeUnwrap()))) o.print(`  ${line}`);
    o.print("");
    return ok(undefined);
  }

  async #startHost(state: HostState, port: number): Promise<Result<void, DemoError>> {
    const o = this.#o;
    const { node } = state;
    const ip = formatIp(node.publicIp);
    o.print(`== ${node.name}: flannel-ts agent --etcd-prefix ${o.registry.prefix} --public-ip ${ip}   (external interface lo at ${ip}, given MTU ${DEMO_UNDERLAY_MTU}; TUN simulated)`);
    const docker = o.docker?.(node.name);
    const { leases, peers } = registryLeases({ registry: o.registry, clock: o.clock, random: o.random });
    const started = await startAgent({
      config: o.registry,
      leases,
      peers,
      external: { name: "lo", mtu: DEMO_UNDERLAY_MTU, ifaceAddress: node.publicIp, publicIp: node.publicIp },
      openDataPath: (spec) => this.#openDataPath(state, spec, port),
      subnetFile: {
        path: "/run/flannel/subnet.env",
        write: (env: SubnetEnv) => {
          state.subnetEnv = formatSubnetEnv(env);
          return okAsync(undefined);
        },
      },
      clock: o.clock,
      log: (event) => this.#log(node, event),
      ...(docker === undefined ? {} : { docker: docker.step }),
    });
    if (started.isErr()) return err(started.error);
    state.agent = started.value;
    o.print("");
    o.print("/run/flannel/subnet.env:");
    for (const line of lines(state.subnetEnv ?? "")) o.print(`  ${line}`);
    if (docker !== undefined) {
      o.print("");
      for (const line of docker.describe()) o.print(line);
    }
    o.print("");
    return ok(undefined);
  }

  // The agent's log, one line per event, prefixed with the host. The demo's
  // Docker step merges daemon.json but restarts no dockerd: its line says so.
  #log(node: Node, event: AgentEvent): void {
    const line =
      event.kind === "docker-configured"
        ? `docker step: ${event.path} ${event.changed ? "merged" : "already had"} bip ${formatCidr(bridgeAddress(event.subnet))} and mtu ${event.mtu} (shown below; no dockerd to restart here)`
        : formatAgentEvent(event);
    this.#o.print(`[${node.name}] ${line}`);
  }

  #openDataPath(state: HostState, spec: DataPathSpec, port: number): ResultAsync<DataPath, PortError> {
    if (!ipEquals(spec.bindAddress, state.node.publicIp) || spec.port !== port) {
      return errAsync({ kind: "data-path", message: `the demo bound ${formatIp(state.node.publicIp)}:${port}, not ${formatIp(spec.bindAddress)}:${spec.port}` });
    }
    const host = new DemoHost({ name: state.node.name, subnet: spec.subnet, socket: state.socket, peerPort: port, sourceFilter: spec.sourceFilter });
    state.host = host;
    const dataPath: DataPath = {
      setRoute: (subnet, publicIp) => host.routes.set(subnet, publicIp),
      deleteRoute: (subnet) => {
        host.routes.delete(subnet);
      },
      // The socket stays open until the demo ends (it was bound before the agent started).
      close: () => {
        host.close();
        return Promise.resolve();
      },
    };
    return okAsync(dataPath);
  }

  // Waits (a bounded time) until each agent routes the other's subnet.
  async #waitForPeers(): Promise<Result<void, DemoError>> {
    const o = this.#o;
    const deadline = o.clock.now() + this.#timeoutMs;
    for (;;) {
      const missing = this.#states.find((s, i) => {
        const other = this.#states[1 - i]!.agent!.status().lease.subnet;
        return !s.agent!.status().peers.some((p) => cidrEquals(p.subnet, other));
      });
      if (missing === undefined) return ok(undefined);
      if (o.clock.now() >= deadline) {
        return err({ kind: "peer-not-seen", host: missing.node.name, message: `${missing.node.name} did not learn the other host's lease within ${this.#timeoutMs} ms` });
      }
      await new Promise<void>((resolve) => o.clock.setTimer(10, resolve));
    }
  }

  async #cleanUp(): Promise<void> {
    const agents = this.#states.flatMap((s) => (s.agent === undefined ? [] : [s.agent]));
    if (agents.length > 0) this.#o.print("== stopping: each agent releases its lease (flannel-ts agent --release), then the demo ends");
    for (const agent of agents) await agent.stop({ release: true, reason: "the demo is over" });
    await Promise.all(this.#states.map((s) => s.socket.close()));
  }
}

function lines(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

function describeCounters(c: UdpCounters): string {
  const dropped = (drops: Readonly<Record<string, number>>): string => {
    const nonzero = Object.entries(drops).filter(([, n]) => n > 0);
    return nonzero.length === 0 ? "none dropped" : nonzero.map(([reason, n]) => `${n} dropped (${reason})`).join(", ");
  };
  return (
    `to peers ${c.outbound.packets} packets (${c.outbound.bytes} bytes), ${dropped(c.outbound.drops)}; ` +
    `from peers ${c.inbound.packets} packets (${c.inbound.bytes} bytes), ${dropped(c.inbound.drops)}`
  );
}
