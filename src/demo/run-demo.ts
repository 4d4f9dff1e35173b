/**
 * flannel's main job on one machine, as `flannel-ts demo` shows it: two
 * hosts each run the agent on a shared store; they lease subnets of one
 * network, show the subnet.env and the daemon.json they would write, and
 * carry pings between a container on each across the UDP overlay. Where the
 * hosts live is a {@link DemoSite}: on loopback with userspace containers
 * (no root; see `loopback-site.ts`), or in network namespaces with TUN
 * devices and the kernel's ping (as root; see `netns-site.ts`).
 *
 * @module
 */
import type { BackendKind } from "../backend/backend.ts";
import { err, ok, okAsync, type Result, ResultAsync } from "neverthrow";
import type { UdpCounters } from "../backend/udp/udp-counters.ts";
import type { Clock } from "../core/clock.ts";
import { DEFAULT_UDP_PORT } from "../core/defaults.ts";
import type { Registry, RegistryError } from "../etcd/registry.ts";
import { type AgentEvent, formatAgentEvent } from "../flannel/agent-events.ts";
import { type OpenUdpEngine, udpBackend } from "../backend/udp/udp-backend.ts";
import { registryLeases } from "../flannel/agent-registry-leases.ts";
import { type AgentError, type RunningAgent, startAgent } from "../flannel/agent.ts";
import type { BackendSet, ExternalInterface } from "../backend/backend.ts";
import { formatSubnetEnv, type SubnetEnv } from "../flannel/subnet-env.ts";
import { type Cidr4, cidrEquals, formatCidr } from "../subnet/cidr.ts";
import { formatIp, type Ip4 } from "../subnet/ip.ts";
import { describeNetworkConfig, parseNetworkConfig } from "../subnet/network-config.ts";
import type { Random } from "../subnet/random.ts";
import type { DemoDockerStep } from "./demo-docker-step.ts";
import type { PingResult } from "./pinger.ts";

/** The seed's network config. */
export const DEMO_NETWORK_CONFIG = '{"Network":"172.20.0.0/16"}';

/** The backends the demo runs: UDP anywhere, the kernel's VXLAN and host-gw only in namespaces (`--netns`). */
export type DemoBackend = BackendKind;

/** What a ping from one container to another is asked to do. */
export interface DemoPingRequest {
  /** The host whose container is pinged. */
  readonly to: DemoSiteHost;
  /** Echo requests. */
  readonly count: number;
  /** Milliseconds between two requests. */
  readonly intervalMs: number;
  /** Milliseconds to wait for the last replies. */
  readonly timeoutMs: number;
  /** Receives each line ping prints. */
  readonly print: (line: string) => void;
}

/** One simulated host, as a {@link DemoSite} provides it. */
export interface DemoSiteHost {
  /** "node1", "node2". */
  readonly name: string;
  /** The host's external interface (its address is the lease's PublicIP). */
  readonly external: ExternalInterface;
  /** Said after the host's name: where it lives and what is simulated. */
  readonly note: string;
  /** Opens the host's UDP data path; the agent calls it with its lease (on the udp backend). */
  readonly openEngine: OpenUdpEngine;
  /** The host's VXLAN and host-gw backends, on a site that runs one of them. */
  readonly kernelBackends?: BackendSet;
  /** The host's Docker step, if any. */
  readonly docker: DemoDockerStep | undefined;
  /** The data path's routes now, e.g. "172.20.9.0/24 -> 127.0.0.2:8285", or the kernel's entries for the peers. */
  routes(): readonly string[];
  /** Resolves once the data path forwards with the routes it was given last. */
  settled(): Promise<void>;
  /** The address of the container on this host (after the data path opened). */
  container(): Ip4 | undefined;
  /** Pings from this host's container to the other's, printing what ping prints. */
  ping(request: DemoPingRequest): Promise<PingResult>;
  /** The UDP engine's counters, when they can be read. */
  counters(): Promise<UdpCounters | undefined>;
}

/** Where the demo's two hosts live. */
export interface DemoSite {
  /** Said in the first line, e.g. "UDP over loopback, no root, nothing written to disk". */
  readonly description: string;
  /** The UDP port of the network (the same on both hosts); unused by host-gw. */
  readonly port: number;
  /** The backend both hosts run. Default udp. */
  readonly backend?: DemoBackend;
  readonly hosts: readonly [DemoSiteHost, DemoSiteHost];
  /** Removes whatever the site created (sockets, processes, namespaces). Idempotent. */
  close(): Promise<void>;
}

/** Why a site could not be set up. */
export interface DemoSiteError {
  readonly kind: "demo-site";
  readonly message: string;
}

/** Sets up a site; the demo closes it at the end. */
export type OpenDemoSite = () => ResultAsync<DemoSite, DemoSiteError>;

/** Options for {@link runDemo}. */
export interface RunDemoOptions {
  /** The store both hosts share: the in-memory registry, or etcd. */
  readonly registry: Registry;
  /** How the store is named in the output, e.g. "in-memory store". */
  readonly storeLabel: string;
  /** Where the hosts live. */
  readonly site: OpenDemoSite;
  /** Echo requests each way. Default 3. */
  readonly count?: number;
  /** Milliseconds between two echo requests. Default 200. */
  readonly intervalMs?: number;
  /** Milliseconds to wait for the last replies, and for each host to learn of the other. Default 2000. */
  readonly timeoutMs?: number;
  /** Picks the subnets (seeded: the same leases on every run on an empty store). */
  readonly random: Random;
  /** Timers for the agents and the waits. */
  readonly clock: Clock;
  /** Receives each output line, without its newline. */
  readonly print: (line: string) => void;
}

/** One host as the demo ran it. */
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
  /** The data path's routes when the pings ran, e.g. "172.20.9.0/24 -> 127.0.0.2:8285". */
  readonly routes: readonly string[];
  /** The engine's counters after the pings, when the site can read them. */
  readonly counters: UdpCounters | undefined;
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
  | DemoSiteError
  | { readonly kind: "config-conflict"; readonly key: string; readonly existing: string; readonly message: string }
  | { readonly kind: "peer-not-seen"; readonly host: string; readonly message: string };

/**
 * Runs the demo: sets up the site, puts the network config when the store
 * has none (with the site's port when it is not 8285), starts the agent of
 * each host (lease, subnet.env, UDP engine, Docker step, peer routes), and
 * pings from the container on each host to the other's. The agents stop at
 * the end and release their leases, and the site is closed, also after a
 * failure; the registry is the caller's to close.
 *
 * @param options store, site, random source, clock, output
 * @returns what the demo set up and measured, or why it stopped
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it opens UDP sockets on loopback.
 * import { runDemo } from "./run-demo.ts";
 * import { loopbackSite } from "./loopback-site.ts";
 * import { DgramDatagramSocket } from "./dgram-datagram-socket.ts";
 * import { MemoryRegistry } from "../etcd/memory-registry.ts";
 * import { systemClock } from "../core/clock.ts";
 * import { seededRandom } from "../subnet/random.ts";
 *
 * const registry = new MemoryRegistry({ prefix: "/atomic.io/network" });
 * const report = await runDemo({
 *   registry,
 *   storeLabel: "in-memory store",
 *   site: loopbackSite({
 *     bindSocket: (address, port) => DgramDatagramSocket.bind(address, port),
 *     clock: systemClock,
 *     micros: () => performance.now() * 1000,
 *   }),
 *   random: seededRandom(1),
 *   clock: systemClock,
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
  readonly site: DemoSiteHost;
  agent?: RunningAgent;
  /** The lease the agent reported, so that one left by an agent that failed to start is released too. */
  leased?: Cidr4;
  subnet?: Cidr4 | undefined;
  subnetEnv?: string;
}

class DemoRun {
  readonly #o: RunDemoOptions;
  readonly #timeoutMs: number;
  #site: DemoSite | undefined;
  #states: HostState[] = [];

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
    const site = await o.site();
    if (site.isErr()) return err(site.error);
    this.#site = site.value;
    this.#states = site.value.hosts.map((h) => ({ site: h }));
    o.print(`flannel-ts demo: two simulated hosts run the agent on one ${o.storeLabel}; ${site.value.description}`);
    o.print("");

    const port = site.value.port;
    const backend = site.value.backend ?? "udp";
    const configText = demoNetworkConfig(backend, port);
    const config = await this.#ensureConfig(configText, backend === "udp" ? port : DEFAULT_UDP_PORT);
    if (config.isErr()) return err(config.error);

    for (const state of this.#states) {
      const started = await this.#startHost(state);
      if (started.isErr()) return err(started.error);
    }
    const peersSeen = await this.#waitForPeers();
    if (peersSeen.isErr()) return err(peersSeen.error);
    await Promise.all(this.#states.map((s) => s.site.settled()));

    o.print(OVERLAY_HEADINGS[backend]);
    const routes = this.#states.map((s) => s.site.routes());
    for (const [i, s] of this.#states.entries()) for (const route of routes[i]!) o.print(`${s.site.name}: ${route}`);
    o.print("");

    const pings: PingResult[] = [];
    for (
      const [from, to] of [
        [0, 1],
        [1, 0],
      ] as const
    ) {
      const source = this.#states[from]!.site;
      const target = this.#states[to]!.site;
      const count = o.count ?? 3;
      const interval = o.intervalMs ?? 200;
      const flags = `-c ${count}${interval === 1000 ? "" : ` -i ${interval / 1000}`}`;
      o.print(`== ${source.name}, in container ${formatIp(source.container()!)}: ping ${flags} ${formatIp(target.container()!)}   (a container on ${target.name})`);
      pings.push(await source.ping({ to: target, count, intervalMs: interval, timeoutMs: this.#timeoutMs, print: o.print }));
      o.print("");
    }

    const counters = await Promise.all(this.#states.map((s) => s.site.counters()));
    if (counters.some((c) => c !== undefined)) {
      o.print("== the UDP engines' counters");
      for (const [i, c] of counters.entries()) if (c !== undefined) o.print(`${this.#states[i]!.site.name}: ${describeCounters(c)}`);
      o.print("");
    }

    const report = (i: number): DemoHostReport => {
      const s = this.#states[i]!;
      return {
        name: s.site.name,
        publicIp: formatIp(s.site.external.publicIp),
        port,
        subnet: s.subnet === undefined ? "" : formatCidr(s.subnet),
        subnetEnv: s.subnetEnv ?? "",
        container: formatIp(s.site.container()!),
        routes: routes[i]!,
        counters: counters[i],
      };
    };
    return ok({ hosts: [report(0), report(1)], pings: [pings[0]!, pings[1]!] });
  }

  // Puts the config when the store has none. An existing config is used only
  // when it is the same network, so that the demo never mixes its leases
  // into a real network.
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
          message:
            `${key} holds another network config (${existing.value}); the demo leases loopback or TEST-NET addresses and must not join a real network: give it an empty prefix (--etcd-prefix)`,
        });
      }
      o.print(`${key} already holds ${existing.value}`);
    } else {
      const put = await o.registry.putConfig(text);
      if (put.isErr()) return err(put.error);
      o.print(`$ flannel-ts config set '${text}'${port === DEFAULT_UDP_PORT ? "" : `   (port 8285 is taken here, so the demo's network uses ${port})`}`);
    }
    for (const line of lines(describeNetworkConfig(parseNetworkConfig(text)._unsafeUnwrap()))) o.print(`  ${line}`);
    o.print("");
    return ok(undefined);
  }

  async #startHost(state: HostState): Promise<Result<void, DemoError>> {
    const o = this.#o;
    const host = state.site;
    o.print(`== ${host.name}: flannel-ts agent --etcd-prefix ${o.registry.prefix} --public-ip ${formatIp(host.external.publicIp)}   (${host.note})`);
    const { leases, peers } = registryLeases({ registry: o.registry, clock: o.clock, random: o.random });
    const started = await startAgent({
      config: o.registry,
      leases,
      peers,
      external: host.external,
      backends: host.kernelBackends ?? { udp: udpBackend({ open: host.openEngine }) },
      subnetFile: {
        path: "/run/flannel/subnet.env",
        write: (env: SubnetEnv) => {
          state.subnet = env.subnet;
          state.subnetEnv = formatSubnetEnv(env);
          return okAsync(undefined);
        },
      },
      clock: o.clock,
      log: (event) => {
        if (event.kind === "lease-acquired" || event.kind === "lease-reacquired") state.leased = event.lease.subnet;
        this.#log(host, event);
      },
      ...(host.docker === undefined ? {} : { docker: host.docker.step }),
    });
    if (started.isErr()) return err(started.error);
    state.agent = started.value;
    o.print("");
    o.print("/run/flannel/subnet.env:");
    for (const line of lines(state.subnetEnv ?? "")) o.print(`  ${line}`);
    if (host.docker !== undefined) {
      o.print("");
      for (const line of host.docker.describe()) o.print(line);
    }
    o.print("");
    return ok(undefined);
  }

  // The agent's log, one line per event, prefixed with the host. The
  // demo's Docker step restarts no dockerd: its own line says what it did.
  #log(host: DemoSiteHost, event: AgentEvent): void {
    const line = event.kind === "docker-configured" && host.docker !== undefined ? host.docker.configured(event.subnet, event.mtu) : formatAgentEvent(event);
    this.#o.print(`[${host.name}] ${line}`);
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
        return err({ kind: "peer-not-seen", host: missing.site.name, message: `${missing.site.name} did not learn the other host's lease within ${this.#timeoutMs} ms` });
      }
      await new Promise<void>((resolve) => o.clock.setTimer(10, resolve));
    }
  }

  async #cleanUp(): Promise<void> {
    const agents = this.#states.flatMap((s) => (s.agent === undefined ? [] : [s.agent]));
    if (agents.length > 0) this.#o.print("== stopping: each agent releases its lease (flannel-ts agent --release), then the demo ends");
    for (const agent of agents) await agent.stop({ release: true, reason: "the demo is over" });
    // An agent that failed half way keeps its lease, as flanneld does; the demo gives it back.
    for (const s of this.#states) {
      if (s.agent === undefined && s.leased !== undefined) await this.#o.registry.deleteLease({ ipv4: s.leased }).match(() => undefined, () => undefined);
    }
    await this.#site?.close();
  }
}

const OVERLAY_HEADINGS: Readonly<Record<DemoBackend, string>> = {
  udp: "== the overlay: each UDP engine routes the other host's subnet, learned from its lease, to that host's PublicIP",
  vxlan: "== the overlay: each host's kernel routes the other's subnet through flannel.1, with the peer's VtepMAC (neighbour) and PublicIP (FDB) from its lease",
  "host-gw": "== the overlay: each host's kernel routes the other's subnet via that host's PublicIP (no encapsulation)",
};

/**
 * The demo's network config for a backend.
 *
 * @param backend the backend both hosts run
 * @param port the UDP backend's port (when it is not 8285, the config says so)
 * @returns the config's JSON text
 * @example
 * ```ts
 * import { demoNetworkConfig } from "./run-demo.ts";
 * demoNetworkConfig("vxlan", 8285); // '{"Network":"172.20.0.0/16","Backend":{"Type":"vxlan"}}'
 * demoNetworkConfig("udp", 8285); // '{"Network":"172.20.0.0/16"}'
 * ```
 */
export function demoNetworkConfig(backend: DemoBackend, port: number): string {
  if (backend !== "udp") return `{"Network":"172.20.0.0/16","Backend":{"Type":"${backend}"}}`;
  return port === DEFAULT_UDP_PORT ? DEMO_NETWORK_CONFIG : `{"Network":"172.20.0.0/16","Backend":{"Type":"udp","Port":${port}}}`;
}

function lines(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

/**
 * The engine's counters in one line.
 *
 * @param c the counters
 * @returns e.g. "to peers 6 packets (504 bytes), none dropped; from peers 6 packets (504 bytes), none dropped"
 */
export function describeCounters(c: UdpCounters): string {
  const dropped = (drops: Readonly<Record<string, number>>): string => {
    const nonzero = Object.entries(drops).filter(([, n]) => n > 0);
    return nonzero.length === 0 ? "none dropped" : nonzero.map(([reason, n]) => `${n} dropped (${reason})`).join(", ");
  };
  return (
    `to peers ${c.outbound.packets} packets (${c.outbound.bytes} bytes), ${dropped(c.outbound.drops)}; ` +
    `from peers ${c.inbound.packets} packets (${c.inbound.bytes} bytes), ${dropped(c.inbound.drops)}`
  );
}
