/**
 * The agent: flanneld's job on one host, composed from the library through
 * the ports of `agent-ports.ts`. It reads the network config (retrying every
 * second until there is one), acquires a lease, writes subnet.env, opens the
 * UDP data path, installs flanneld's iptables rules, optionally gives Docker
 * the subnet, keeps the data path's routes in step with the other hosts'
 * leases, and follows the lease manager when the lease is renewed, lost and
 * acquired again. A clean stop removes the TUN device and the rules and keeps
 * the lease, as flanneld does, unless asked to release it.
 *
 * @module
 */
import { err, errAsync, ok, okAsync, ResultAsync, safeTry, type Result } from "neverthrow";
import { sleep, type Clock, type Timer } from "../core/clock.ts";
import { DEFAULT_IPTABLES_RESYNC_SECONDS, DEFAULT_TUN_NAME } from "../core/defaults.ts";
import { cidrEquals, formatCidr, type Cidr4 } from "../subnet/cidr.ts";
import { encapsulationMtu } from "../subnet/encapsulation-mtu.ts";
import { ipEquals, type Ip4 } from "../subnet/ip.ts";
import { parseNetworkConfig, type NetworkConfig } from "../subnet/network-config.ts";
import type { AgentEvent } from "./agent-events.ts";
import type { ConfigSource, DataPath, DockerStep, Firewall, HeldLease, LeaseKeeper, LeaseKeeperEvent, OpenDataPath, PeerEvent, PeerSource, PeerWatch, SubnetFileWriter } from "./agent-ports.ts";
import type { ExternalInterface } from "./external-interface.ts";
import { forwardRules, masqRules, type IptablesRule } from "./iptables-rules.ts";

/** What the agent is built from and how it behaves. */
export interface AgentOptions {
  /** Where the network config is read (a `Registry`). */
  readonly config: ConfigSource;
  /** The lease manager. */
  readonly leases: LeaseKeeper;
  /** The other hosts' leases. */
  readonly peers: PeerSource;
  /** The chosen external interface and PublicIP (see `chooseExternalInterface`). */
  readonly external: ExternalInterface;
  /** Opens the UDP engine with its TUN device and socket. */
  readonly openDataPath: OpenDataPath;
  /** Where subnet.env is written. */
  readonly subnetFile: SubnetFileWriter;
  /** Time for retries and the iptables resync. */
  readonly clock: Clock;
  /** Receives one event per thing that happened (see `formatAgentEvent`). */
  readonly log: (event: AgentEvent) => void;
  /** Installs flanneld's iptables rules. Default: none are installed. */
  readonly firewall?: Firewall;
  /** Gives dockerd the subnet. Default: Docker is left alone. */
  readonly docker?: DockerStep;
  /** The subnet of the previous subnet.env, asked for again when free. Default none. */
  readonly previousSubnet?: Cidr4;
  /** Masquerade traffic leaving the network (flanneld's `--ip-masq`). Default false. */
  readonly ipMasq?: boolean;
  /** Accept forwarding to and from the network (flanneld's `--iptables-forward-rules`). Default true. */
  readonly forwardRules?: boolean;
  /** How often the iptables rules are checked and put back. Default 5,000 ms (flanneld's `--iptables-resync`). */
  readonly iptablesResyncMs?: number;
  /** The TUN device's name. Default "flannel0". */
  readonly tunName?: string;
  /** Accept datagrams only from current leases' PublicIPs. Default true. */
  readonly sourceFilter?: boolean;
  /** Time between attempts to read the config. Default 1,000 ms (flanneld's). */
  readonly configRetryMs?: number;
  /** Ends the wait for the config; {@link startAgent} then fails with `aborted`. */
  readonly signal?: AbortSignal;
}

/** The step the agent failed at. */
export type AgentStep = "config" | "mtu" | "lease" | "subnet-file" | "data-path" | "docker" | "aborted";

/** Why the agent could not start, or stopped on its own. */
export interface AgentError {
  readonly kind: "agent";
  readonly step: AgentStep;
  readonly message: string;
}

/** How a running agent ended. */
export type AgentExit = { readonly kind: "stopped" } | { readonly kind: "failed"; readonly error: AgentError };

/** What `/healthz` reports. */
export type AgentHealth = { readonly healthy: true } | { readonly healthy: false; readonly reason: string };

/** A peer the data path routes to. */
export interface AgentPeer {
  readonly subnet: Cidr4;
  readonly publicIp: Ip4;
}

/** A snapshot of the agent's state. */
export interface AgentStatus {
  /** The lease held (the last one, while it is being acquired again). */
  readonly lease: HeldLease;
  /** The network config in use. */
  readonly config: NetworkConfig;
  /** The TUN device's MTU (and subnet.env's FLANNEL_MTU). */
  readonly mtu: number;
  /** The UDP port. */
  readonly port: number;
  /** The peers routed to, in subnet order. */
  readonly peers: readonly AgentPeer[];
  readonly health: AgentHealth;
}

/** A started agent. */
export interface RunningAgent {
  /** The agent's current state. */
  status(): AgentStatus;
  /**
   * Stops cleanly: the peer watch, renewals, the iptables rules and the TUN
   * device go; the lease stays until its TTL runs out unless `release`.
   * Safe to call more than once; later calls wait for the first.
   */
  stop(options?: { readonly release?: boolean; readonly reason?: string }): Promise<void>;
  /** Settles when the agent has ended: after {@link RunningAgent.stop}, or on its own after a failure it cannot recover from. */
  readonly done: Promise<AgentExit>;
}

const agentError = (step: AgentStep, message: string): AgentError => ({ kind: "agent", step, message });
const fail = (step: AgentStep, message: string): Result<never, AgentError> => err(agentError(step, message));

interface Settings {
  readonly config: NetworkConfig;
  readonly network: Cidr4;
  readonly port: number;
  readonly mtu: number;
}

/** Takes the UDP port from the config's Backend and refuses a backend other than udp. */
function settingsOf(config: NetworkConfig, external: ExternalInterface): Result<Settings, AgentError> {
  if (config.backend.kind !== "udp") {
    return fail("config", `the network config's Backend.Type is "${config.backend.type}"; flannel-ts agent carries the udp backend only: set "Backend": {"Type": "udp"} or leave Backend out`);
  }
  if (config.ipv4 === undefined) return fail("config", "the network config has IPv4 turned off; the udp backend carries IPv4 only: set Network and leave EnableIPv4 true");
  const mtu = encapsulationMtu(external.mtu, "udp");
  if (mtu.isErr()) return fail("mtu", `interface ${external.name}: ${mtu.error.message}`);
  return ok({ config, network: config.ipv4.network, port: config.backend.port, mtu: mtu.value });
}

const peerKey = (subnet: Cidr4): string => formatCidr(subnet);

class Agent implements RunningAgent {
  readonly #o: AgentOptions;
  #settings: Settings | undefined;
  #lease: HeldLease | undefined;
  #leaseStarted = false;
  #leaseLost = false;
  #running = false;
  #dataPath: DataPath | undefined;
  #peerWatch: PeerWatch | undefined;
  #rules: readonly IptablesRule[] = [];
  /** The last iptables outcome, so that the resync logs changes only. */
  #firewallState: { readonly ok: true } | { readonly ok: false; readonly message: string } | undefined;
  #resyncTimer: Timer | undefined;
  #queue: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;
  readonly #peers = new Map<string, AgentPeer>();
  #resolveDone: (exit: AgentExit) => void = () => undefined;
  readonly done: Promise<AgentExit>;

  constructor(options: AgentOptions) {
    this.#o = options;
    this.done = new Promise((resolve) => {
      this.#resolveDone = resolve;
    });
  }

  start(): ResultAsync<void, AgentError> {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the generator below is not an arrow
    const self = this;
    const o = this.#o;
    return safeTry(async function* () {
      const config = yield* self.#waitForConfig();
      const settings = yield* settingsOf(config, o.external);
      self.#settings = settings;
      o.log({ kind: "config-found", backend: config.backend.type, network: settings.network, port: settings.port });
      o.log({ kind: "external-interface", name: o.external.name, address: o.external.ifaceAddress, publicIp: o.external.publicIp, mtu: o.external.mtu });
      const lease = yield* o.leases
        .start({
          config,
          publicIp: o.external.publicIp,
          ...(o.previousSubnet === undefined ? {} : { previousSubnet: o.previousSubnet }),
          onEvent: (e) => self.#onLeaseEvent(e),
        })
        .mapErr((e) => agentError("lease", e.message));
      self.#leaseStarted = true;
      self.#lease = lease;
      o.log({ kind: "lease-acquired", lease });
      yield* self.#writeSubnetFile(lease);
      self.#dataPath = yield* self.#openDataPath(lease);
      self.#rules = self.#rulesFor(lease);
      await self.#ensureFirewall();
      yield* self.#configureDocker(lease);
      self.#peerWatch = o.peers.watch(
        (e) => self.#onPeerEvent(e),
        (e) => o.log({ kind: "peer-watch-failed", message: e.message }),
      );
      self.#scheduleResync();
      self.#running = true;
      o.log({ kind: "running", subnet: lease.subnet });
      // A new subnet acquired while starting: follow it now.
      const current = self.#lease;
      if (!cidrEquals(current.subnet, lease.subnet)) self.#enqueue(() => self.#reconfigure(current));
      return ok(undefined);
    });
  }

  #waitForConfig(): ResultAsync<NetworkConfig, AgentError> {
    const o = this.#o;
    const retryMs = o.configRetryMs ?? 1000;
    const attempt = (): ResultAsync<NetworkConfig, AgentError> =>
      o.config
        .getConfig()
        .mapErr((e) => e.message)
        .andThen((text) => parseNetworkConfig(text).mapErr((errors) => `the config is not valid: ${errors.map((e) => e.message).join("; ")}`))
        .orElse((message) => {
          o.log({ kind: "config-unavailable", message });
          return ResultAsync.fromSafePromise(sleep(o.clock, retryMs, o.signal)).andThen((slept) =>
            slept ? attempt() : errAsync(agentError("aborted", "stopped while waiting for the network config")),
          );
        });
    if (o.signal?.aborted === true) return errAsync(agentError("aborted", "stopped before the network config was read"));
    return attempt();
  }

  #writeSubnetFile(lease: HeldLease): ResultAsync<void, AgentError> {
    const s = this.#requireSettings();
    const o = this.#o;
    return o.subnetFile
      .write({ network: s.network, subnet: lease.subnet, mtu: s.mtu, ipMasq: o.ipMasq ?? false })
      .map(() => o.log({ kind: "subnet-file-written", path: o.subnetFile.path, subnet: lease.subnet, mtu: s.mtu }))
      .mapErr((e) => agentError("subnet-file", `cannot write ${o.subnetFile.path}: ${e.message}`));
  }

  #openDataPath(lease: HeldLease): ResultAsync<DataPath, AgentError> {
    const s = this.#requireSettings();
    const o = this.#o;
    const spec = {
      tunName: o.tunName ?? DEFAULT_TUN_NAME,
      subnet: lease.subnet,
      network: s.network,
      mtu: s.mtu,
      bindAddress: o.external.ifaceAddress,
      port: s.port,
      sourceFilter: o.sourceFilter ?? true,
    };
    return o
      .openDataPath(spec)
      .mapErr((e) => agentError("data-path", e.message))
      .map((dataPath) => {
        o.log({ kind: "data-path-up", tunName: spec.tunName, subnet: spec.subnet, mtu: spec.mtu, bindAddress: spec.bindAddress, port: spec.port });
        for (const peer of this.#routedPeers()) dataPath.setRoute(peer.subnet, peer.publicIp);
        void dataPath.failed?.then((reason) => {
          if (this.#dataPath === dataPath && this.#stopping === undefined) return this.#fail(agentError("data-path", `the UDP engine stopped: ${reason}`));
        });
        return dataPath;
      });
  }

  #rulesFor(lease: HeldLease): readonly IptablesRule[] {
    const s = this.#requireSettings();
    return [...((this.#o.forwardRules ?? true) ? forwardRules(s.network) : []), ...((this.#o.ipMasq ?? false) ? masqRules(s.network, lease.subnet) : [])];
  }

  async #ensureFirewall(): Promise<void> {
    const firewall = this.#o.firewall;
    if (firewall === undefined || this.#rules.length === 0) return;
    const rules = this.#rules;
    const r = await firewall.ensure(rules);
    const before = this.#firewallState;
    if (r.isOk()) {
      if (before?.ok !== true) {
        this.#o.log({ kind: "iptables-ensured", chains: [...new Set(rules.map((x) => `${x.table}/${x.chain}`))], rules: rules.length });
      }
      this.#firewallState = { ok: true };
    } else if (before === undefined || before.ok || before.message !== r.error.message) {
      this.#firewallState = { ok: false, message: r.error.message };
      this.#o.log({ kind: "iptables-failed", message: r.error.message });
    }
  }

  #scheduleResync(): void {
    if (this.#o.firewall === undefined || this.#stopping !== undefined) return;
    this.#resyncTimer = this.#o.clock.setTimer(this.#o.iptablesResyncMs ?? DEFAULT_IPTABLES_RESYNC_SECONDS * 1000, () => {
      this.#enqueue(async () => {
        await this.#ensureFirewall();
        this.#scheduleResync();
      });
    });
  }

  #configureDocker(lease: HeldLease): ResultAsync<void, AgentError> {
    const docker = this.#o.docker;
    if (docker === undefined) return okAsync(undefined);
    const s = this.#requireSettings();
    const o = this.#o;
    return docker({ subnet: lease.subnet, mtu: s.mtu, ipMasq: o.ipMasq ?? false })
      .mapErr((e) => agentError("docker", e.message))
      .map((report) => {
        for (const message of report.warnings) o.log({ kind: "docker-warning", path: report.path, message });
        o.log({ kind: "docker-configured", path: report.path, changed: report.changed, restarted: report.restarted, subnet: lease.subnet, mtu: s.mtu });
      });
  }

  #requireSettings(): Settings {
    if (this.#settings === undefined) throw new Error("agent: settings used before the config was read");
    return this.#settings;
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task, task);
  }

  #isOwn(subnet: Cidr4): boolean {
    const own = this.#lease?.subnet;
    return own !== undefined && cidrEquals(own, subnet);
  }

  /** The peers to route to: every lease reported except this host's own. */
  #routedPeers(): AgentPeer[] {
    return [...this.#peers.values()].filter((p) => !this.#isOwn(p.subnet));
  }

  // Every reported lease is remembered, this host's own too: when the host
  // moves to another subnet, the lease now on its old subnet gets a route.
  #onPeerEvent(event: PeerEvent): void {
    if (this.#stopping !== undefined) return;
    const key = peerKey(event.subnet);
    const known = this.#peers.get(key);
    const own = this.#isOwn(event.subnet);
    if (event.kind === "removed") {
      if (known === undefined) return;
      this.#peers.delete(key);
      if (own) return;
      this.#dataPath?.deleteRoute(event.subnet);
      this.#o.log({ kind: "peer-removed", subnet: event.subnet, publicIp: known.publicIp });
      return;
    }
    if (known !== undefined && ipEquals(known.publicIp, event.publicIp)) return;
    this.#peers.set(key, { subnet: event.subnet, publicIp: event.publicIp });
    if (own) return;
    this.#dataPath?.setRoute(event.subnet, event.publicIp);
    if (known === undefined) this.#o.log({ kind: "peer-added", subnet: event.subnet, publicIp: event.publicIp });
    else this.#o.log({ kind: "peer-updated", subnet: event.subnet, publicIp: event.publicIp, previous: known.publicIp });
  }

  // Called right after #lease changed subnet.
  #ownSubnetMoved(previous: Cidr4, next: Cidr4): void {
    const onNew = this.#peers.get(peerKey(next));
    if (onNew !== undefined) {
      this.#dataPath?.deleteRoute(next);
      this.#o.log({ kind: "peer-removed", subnet: next, publicIp: onNew.publicIp });
    }
    const onOld = this.#peers.get(peerKey(previous));
    if (onOld !== undefined) {
      this.#dataPath?.setRoute(onOld.subnet, onOld.publicIp);
      this.#o.log({ kind: "peer-added", subnet: onOld.subnet, publicIp: onOld.publicIp });
    }
  }

  #onLeaseEvent(event: LeaseKeeperEvent): void {
    if (this.#stopping !== undefined) return;
    const o = this.#o;
    switch (event.kind) {
      case "renewed":
        this.#lease = event.lease;
        o.log({ kind: "lease-renewed", lease: event.lease });
        return;
      case "renew-failed":
        o.log({ kind: "lease-renew-failed", lease: event.lease, message: event.message, retryInMs: event.retryInMs });
        return;
      case "lost":
        this.#leaseLost = true;
        o.log({ kind: "lease-lost", lease: event.lease, reason: event.reason });
        return;
      case "reacquire-failed":
        o.log({ kind: "lease-reacquire-failed", message: event.message, retryInMs: event.retryInMs });
        return;
      case "reacquired": {
        o.log({ kind: "lease-reacquired", lease: event.lease, previous: event.previous });
        const previous = this.#lease;
        this.#lease = event.lease;
        this.#leaseLost = false;
        if (previous === undefined || cidrEquals(previous.subnet, event.lease.subnet)) return;
        this.#ownSubnetMoved(previous.subnet, event.lease.subnet);
        if (this.#running) this.#enqueue(() => this.#reconfigure(event.lease));
        return;
      }
    }
  }

  // A new subnet: everything that names the subnet follows it.
  async #reconfigure(lease: HeldLease): Promise<void> {
    if (this.#stopping !== undefined) return;
    const written = await this.#writeSubnetFile(lease);
    if (written.isErr()) return this.#fail(written.error);
    const old = this.#dataPath;
    this.#dataPath = undefined;
    if (old !== undefined) {
      await old.close();
      this.#o.log({ kind: "data-path-down", tunName: this.#o.tunName ?? DEFAULT_TUN_NAME });
    }
    const opened = await this.#openDataPath(lease);
    if (opened.isErr()) return this.#fail(opened.error);
    this.#dataPath = opened.value;
    const oldRules = this.#rules;
    this.#rules = this.#rulesFor(lease);
    const gone = oldRules.filter((r) => !this.#rules.some((n) => sameRule(n, r)));
    if (gone.length > 0 && this.#o.firewall !== undefined) {
      // Removing flushes the chains too; the ensure below puts the new rules back.
      const removed = await this.#o.firewall.remove(gone);
      if (removed.isErr()) this.#o.log({ kind: "iptables-failed", message: removed.error.message });
    }
    this.#firewallState = undefined;
    await this.#ensureFirewall();
    const docker = await this.#configureDocker(lease);
    if (docker.isErr()) return this.#fail(docker.error);
  }

  #fail(error: AgentError): Promise<void> {
    this.#o.log({ kind: "failed", step: error.step, message: error.message });
    return this.#shutdown({ release: false, reason: `${error.step} failed` }, { kind: "failed", error });
  }

  status(): AgentStatus {
    const s = this.#requireSettings();
    const lease = this.#lease;
    if (lease === undefined) throw new Error("agent: status() before a lease was acquired");
    const peers = this.#routedPeers().sort((a, b) => a.subnet.address - b.subnet.address);
    let health: AgentHealth = { healthy: true };
    if (this.#stopping !== undefined) health = { healthy: false, reason: "stopping" };
    else if (this.#leaseLost) health = { healthy: false, reason: `lease on ${formatCidr(lease.subnet)} lost; acquiring again` };
    else if (this.#dataPath === undefined) health = { healthy: false, reason: "the UDP engine is not running" };
    return { lease, config: s.config, mtu: s.mtu, port: s.port, peers, health };
  }

  stop(options: { readonly release?: boolean; readonly reason?: string } = {}): Promise<void> {
    return this.#shutdown({ release: options.release ?? false, reason: options.reason ?? "asked to stop" }, { kind: "stopped" });
  }

  /** Undoes whatever start() got done; also used when start() fails half way. */
  teardown(): Promise<void> {
    return this.#shutdown({ release: false, reason: "start failed" }, undefined);
  }

  #shutdown(options: { release: boolean; reason: string }, exit: AgentExit | undefined): Promise<void> {
    this.#stopping ??= (async () => {
      const o = this.#o;
      if (exit !== undefined) o.log({ kind: "stopping", reason: options.reason });
      this.#resyncTimer?.cancel();
      await this.#peerWatch?.close();
      // A reconfiguration in flight finishes first (it sees #stopping and returns early at its next step).
      if (exit?.kind !== "failed") await this.#queue;
      if (this.#leaseStarted) {
        const stopped = await o.leases.stop({ release: options.release });
        if (stopped.isErr()) o.log({ kind: "failed", step: options.release ? "releasing the lease" : "stopping renewals", message: stopped.error.message });
        else if (this.#lease !== undefined) o.log(options.release ? { kind: "lease-released", subnet: this.#lease.subnet } : { kind: "lease-kept", subnet: this.#lease.subnet });
      }
      if (o.firewall !== undefined && this.#rules.length > 0) {
        const removed = await o.firewall.remove(this.#rules);
        if (removed.isErr()) o.log({ kind: "iptables-failed", message: removed.error.message });
        else o.log({ kind: "iptables-removed", rules: this.#rules.length });
      }
      const dataPath = this.#dataPath;
      this.#dataPath = undefined;
      if (dataPath !== undefined) {
        await dataPath.close();
        o.log({ kind: "data-path-down", tunName: o.tunName ?? DEFAULT_TUN_NAME });
      }
      if (exit !== undefined) {
        if (exit.kind === "stopped") o.log({ kind: "stopped" });
        this.#resolveDone(exit);
      }
    })();
    return this.#stopping;
  }
}

function sameRule(a: IptablesRule, b: IptablesRule): boolean {
  return a.table === b.table && a.chain === b.chain && a.rulespec.join("\u0000") === b.rulespec.join("\u0000");
}

/**
 * Starts the agent and resolves once it runs: config read, lease held,
 * subnet.env written, data path up, rules installed, Docker configured, peers
 * watched. When a step fails, whatever was set up is undone (the lease is
 * kept) and the error names the step.
 *
 * @param options the ports and settings; see {@link AgentOptions}
 * @returns the running agent, or why it could not start (`aborted` when `signal` ended the wait for the config)
 * @example
 * ```ts
 * import { okAsync } from "neverthrow";
 * import { ManualClock } from "../core/clock.ts";
 * import { startAgent } from "./agent.ts";
 * import type { LeaseKeeper, PeerSource } from "./agent-ports.ts";
 * import { parseCidr4, parseIp4 } from "../subnet/index.ts";
 *
 * const ip = parseIp4("192.0.2.1")._unsafeUnwrap();
 * const leases: LeaseKeeper = {
 *   start: (r) => okAsync({ subnet: parseCidr4("172.20.5.0/24")._unsafeUnwrap(), publicIp: r.publicIp, expiresAt: null }),
 *   stop: () => okAsync(undefined),
 * };
 * const peers: PeerSource = { watch: () => ({ close: () => Promise.resolve() }) };
 * const agent = await startAgent({
 *   config: { getConfig: () => okAsync('{"Network":"172.20.0.0/16"}') },
 *   leases,
 *   peers,
 *   external: { name: "eth0", mtu: 1500, ifaceAddress: ip, publicIp: ip },
 *   openDataPath: () => okAsync({ setRoute: () => {}, deleteRoute: () => {}, close: () => Promise.resolve() }),
 *   subnetFile: { path: "/run/flannel/subnet.env", write: () => okAsync(undefined) },
 *   clock: new ManualClock(),
 *   log: () => {},
 * });
 * if (agent.isOk()) await agent.value.stop();
 * ```
 */
export function startAgent(options: AgentOptions): ResultAsync<RunningAgent, AgentError> {
  const agent = new Agent(options);
  return agent
    .start()
    .map((): RunningAgent => agent)
    .orElse((error) => ResultAsync.fromSafePromise(agent.teardown()).andThen(() => errAsync(error)));
}
