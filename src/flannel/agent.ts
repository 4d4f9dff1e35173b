/**
 * The agent: flanneld's job on one host, composed from the library through
 * the ports of `agent-ports.ts` and a `Backend` of `flannel-ts/backend`. It
 * reads the network config (retrying every second until there is one), opens
 * the backend the config names, acquires a lease carrying the backend's
 * data, writes subnet.env, attaches the backend to the lease, installs
 * flanneld's iptables rules, optionally gives Docker the subnet, and keeps
 * the backend in step with the other hosts' leases: changes in batches, and
 * the whole set from time to time (reconcile). It follows the lease manager
 * when the lease is renewed, lost and acquired again. A clean stop removes
 * what the backend made and the rules, and keeps the lease, as flanneld
 * does, unless asked to release it.
 *
 * @module
 */
import { errAsync, ok, okAsync, type Result, ResultAsync, safeTry } from "neverthrow";
import { type Backend, backendKindOf, type BackendReport, type BackendSet, type ExternalInterface, type PeerChange, SUPPORTED_BACKENDS } from "../backend/backend.ts";
import { type Clock, sleep, type Timer } from "../core/clock.ts";
import { DEFAULT_IPTABLES_RESYNC_SECONDS } from "../core/defaults.ts";
import type { LeaseAttrs } from "../etcd/lease-attrs.ts";
import type { LeaseRecord, UnreadableLease } from "../etcd/registry.ts";
import { cidrEquals, formatCidr } from "../subnet/cidr.ts";
import { type NetworkConfig, parseNetworkConfig } from "../subnet/network-config.ts";
import type { SubnetKey } from "../subnet/subnet-key.ts";
import type { AgentEvent } from "./agent-events.ts";
import type { ConfigSource, DockerStep, Firewall, HeldLease, LeaseKeeper, LeaseKeeperEvent, PeerSource, PeerWatch, PortError, SubnetFileWriter } from "./agent-ports.ts";
import { forwardRules, type IptablesRule, masqRules } from "./iptables-rules.ts";
import type { PeerLeaseEvent } from "./lease-peer-set.ts";

/** How often the agent makes the backend's entries match the leases, as flanneld's route check does: every 10 s. */
export const DEFAULT_RECONCILE_SECONDS = 10;

/** What the agent is built from and how it behaves. */
export interface AgentOptions {
  /** Where the network config is read (a `Registry`). */
  readonly config: ConfigSource;
  /** The lease manager. */
  readonly leases: LeaseKeeper;
  /** The other hosts' leases. */
  readonly peers: PeerSource;
  /**
   * The external interface and PublicIP(s), or how to choose them once the
   * config is known (a dual-stack network needs the interface's IPv6
   * address too; see `chooseExternalInterface`).
   */
  readonly external: ExternalInterface | ((config: NetworkConfig) => Result<ExternalInterface, PortError>);
  /** The backends this agent can run; the config's `Backend.Type` picks one (e.g. `{ udp: udpBackend(...) }`). */
  readonly backends: BackendSet;
  /** Where subnet.env is written. */
  readonly subnetFile: SubnetFileWriter;
  /** Time for retries, the iptables resync and reconciles. */
  readonly clock: Clock;
  /** Receives one event per thing that happened (see `formatAgentEvent`). */
  readonly log: (event: AgentEvent) => void;
  /** Installs flanneld's iptables rules. Default: none are installed. */
  readonly firewall?: Firewall;
  /** Gives dockerd the subnet. Default: Docker is left alone. */
  readonly docker?: DockerStep;
  /** The subnet(s) of the previous subnet.env, asked for again when free. Default none. */
  readonly previousSubnet?: SubnetKey;
  /** Masquerade traffic leaving the network (flanneld's `--ip-masq`). Default false. */
  readonly ipMasq?: boolean;
  /** Accept forwarding to and from the network (flanneld's `--iptables-forward-rules`). Default true. */
  readonly forwardRules?: boolean;
  /** How often the iptables rules are checked and put back. Default 5,000 ms (flanneld's `--iptables-resync`). */
  readonly iptablesResyncMs?: number;
  /** How often the backend's entries are reconciled with the leases. Default {@link DEFAULT_RECONCILE_SECONDS} s. */
  readonly reconcileMs?: number;
  /** Time between attempts to read the config. Default 1,000 ms (flanneld's). */
  readonly configRetryMs?: number;
  /** Ends the wait for the config; {@link startAgent} then fails with `aborted`. */
  readonly signal?: AbortSignal;
}

/** The step the agent failed at. */
export type AgentStep = "config" | "interface" | "backend" | "lease" | "subnet-file" | "data-path" | "docker" | "internal" | "aborted";

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

/** A peer the backend routes to. */
export interface AgentPeer {
  readonly subnet: LeaseRecord["subnet"]["ipv4"];
  readonly publicIp: LeaseAttrs["publicIp"];
  /** The whole lease, with its backend data. */
  readonly lease: LeaseRecord;
}

/** What the agent counted since it started. */
export interface AgentCounters {
  /** Peer lease values that could not be read and were skipped. */
  readonly unreadableLeases: number;
  /** Peers a backend left out (e.g. host-gw peers not on the same network). */
  readonly skippedPeers: number;
  /** Batches or reconciles the backend failed. */
  readonly backendFailures: number;
}

/** A snapshot of the agent's state. */
export interface AgentStatus {
  /** The lease held (the last one, while it is being acquired again). */
  readonly lease: HeldLease;
  /** The network config in use. */
  readonly config: NetworkConfig;
  /** The backend's kind, e.g. "vxlan". */
  readonly backend: string;
  /** The overlay's MTU (subnet.env's FLANNEL_MTU). */
  readonly mtu: number;
  /** The peers, in subnet order. */
  readonly peers: readonly AgentPeer[];
  readonly counters: AgentCounters;
  readonly health: AgentHealth;
}

/** A started agent. */
export interface RunningAgent {
  /** The agent's current state. */
  status(): AgentStatus;
  /**
   * Stops cleanly: the peer watch, renewals, the iptables rules and what the
   * backend made go; the lease stays until its TTL runs out unless `release`.
   * Safe to call more than once; later calls wait for the first.
   */
  stop(options?: { readonly release?: boolean; readonly reason?: string }): Promise<void>;
  /** Settles when the agent has ended: after {@link RunningAgent.stop}, or on its own after a failure it cannot recover from. */
  readonly done: Promise<AgentExit>;
}

const agentError = (step: AgentStep, message: string): AgentError => ({ kind: "agent", step, message });

const describe = (cause: unknown): string => (cause instanceof Error ? cause.message : String(cause));

class Agent implements RunningAgent {
  readonly #o: AgentOptions;
  #config: NetworkConfig | undefined;
  #backend: Backend | undefined;
  #lease: HeldLease | undefined;
  #leaseStarted = false;
  #leaseLost = false;
  #running = false;
  #peerWatch: PeerWatch | undefined;
  #rules: readonly IptablesRule[] = [];
  /** The last iptables outcome, so that the resync logs changes only. */
  #firewallState: { readonly ok: true } | { readonly ok: false; readonly message: string } | undefined;
  #resyncTimer: Timer | undefined;
  #reconcileTimer: Timer | undefined;
  #queue: Promise<void> = Promise.resolve();
  #stopping: Promise<void> | undefined;
  /** The other hosts' leases, by key: what the backend is told to program. */
  readonly #peers = new Map<string, LeaseRecord>();
  /** Changes not yet handed to the backend. */
  #pending: PeerChange[] = [];
  #flushQueued = false;
  /** Peers already logged as skipped, with the reason, so each is logged once. */
  readonly #skipped = new Map<string, string>();
  #counters: AgentCounters = { unreadableLeases: 0, skippedPeers: 0, backendFailures: 0 };
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
      self.#config = config;
      const open = yield* self.#backendOpener(config);
      o.log({
        kind: "config-found",
        backend: config.backend,
        ...(config.ipv4 === undefined ? {} : { network: config.ipv4.network }),
        ...(config.ipv6 === undefined ? {} : { ipv6Network: config.ipv6.network }),
      });
      const external = yield* (typeof o.external === "function" ? o.external(config) : ok(o.external)).mapErr((e) => agentError("interface", e.message));
      o.log({
        kind: "external-interface",
        name: external.name,
        address: external.ifaceAddress,
        publicIp: external.publicIp,
        mtu: external.mtu,
        ...(external.publicIpv6 === undefined ? {} : { publicIpv6: external.publicIpv6 }),
      });
      const previous = await o.leases.lookup(external.publicIp);
      if (previous.isErr()) o.log({ kind: "previous-lease-unreadable", message: previous.error.message });
      const backend = yield* open({ config, external, ...(previous.isOk() && previous.value !== undefined ? { previous: previous.value } : {}) }).mapErr((e) =>
        agentError("backend", e.message)
      );
      self.#backend = backend;
      if (backend.prepared !== undefined) o.log({ kind: "backend-opened", name: backend.name, description: backend.prepared });
      const attrs: LeaseAttrs = {
        publicIp: external.publicIp,
        ...(config.ipv6 === undefined || external.publicIpv6 === undefined ? {} : { publicIpv6: external.publicIpv6 }),
        ...backend.leaseAttrs,
      };
      const lease = yield* o.leases
        .start({
          config,
          attrs,
          ...(o.previousSubnet === undefined ? {} : { previousSubnet: o.previousSubnet }),
          onEvent: (e) => self.#guard("lease event", () => self.#onLeaseEvent(e)),
        })
        .mapErr((e) => agentError("lease", e.message));
      self.#leaseStarted = true;
      self.#lease = lease;
      o.log({ kind: "lease-acquired", lease });
      yield* self.#writeSubnetFile(lease);
      yield* self.#attach(lease);
      self.#rules = self.#rulesFor(lease);
      await self.#ensureFirewall();
      yield* self.#configureDocker(lease);
      void backend.failed?.then((reason) => {
        if (self.#stopping === undefined) return self.#fail(agentError("data-path", `the ${backend.name} stopped: ${reason}`));
      });
      self.#peerWatch = o.peers.watch(
        (e) => self.#guard("peer event", () => self.#onPeerEvent(e)),
        (e) => o.log({ kind: "peer-watch-failed", message: e.message }),
      );
      self.#scheduleResync();
      self.#scheduleReconcile();
      self.#running = true;
      o.log({ kind: "running", subnet: lease.subnet });
      // A new subnet acquired while starting: follow it now.
      const current = self.#lease;
      if (!cidrEquals(current.subnet, lease.subnet)) self.#enqueue(() => self.#reconfigure(current));
      return ok(undefined);
    });
  }

  #backendOpener(config: NetworkConfig): ResultAsync<NonNullable<BackendSet[keyof BackendSet]>, AgentError> {
    const kind = backendKindOf(config.backend);
    const open = kind === undefined ? undefined : this.#o.backends[kind];
    if (open !== undefined) return okAsync(open);
    const carried = SUPPORTED_BACKENDS.filter((k) => this.#o.backends[k] !== undefined);
    return errAsync(
      agentError(
        "config",
        `the network config's Backend.Type is "${config.backend.type}"; this agent carries ${carried.join(", ")}: set "Backend": {"Type": "${
          carried[0] ?? "udp"
        }"} or run a flanneld with that backend`,
      ),
    );
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
            slept ? attempt() : errAsync(agentError("aborted", "stopped while waiting for the network config"))
          );
        });
    if (o.signal?.aborted === true) return errAsync(agentError("aborted", "stopped before the network config was read"));
    return attempt();
  }

  #writeSubnetFile(lease: HeldLease): ResultAsync<void, AgentError> {
    const config = this.#requireConfig();
    const backend = this.#requireBackend();
    const o = this.#o;
    const env = {
      ...(config.ipv4 === undefined ? {} : { network: config.ipv4.network, subnet: lease.subnet }),
      ...(config.ipv6 === undefined || lease.ipv6Subnet === undefined ? {} : { ipv6Network: config.ipv6.network, ipv6Subnet: lease.ipv6Subnet }),
      mtu: backend.mtu,
      ipMasq: o.ipMasq ?? false,
    };
    return o.subnetFile
      .write(env)
      .map(() => o.log({ kind: "subnet-file-written", path: o.subnetFile.path, subnet: lease.subnet, mtu: backend.mtu }))
      .mapErr((e) => agentError("subnet-file", `cannot write ${o.subnetFile.path}: ${e.message}`));
  }

  #attach(lease: HeldLease): ResultAsync<void, AgentError> {
    const backend = this.#requireBackend();
    return backend
      .attach({ subnet: lease.subnet, ...(lease.ipv6Subnet === undefined ? {} : { ipv6Subnet: lease.ipv6Subnet }) })
      .map((description) => this.#o.log({ kind: "backend-attached", name: backend.name, description }))
      .mapErr((e) => agentError("data-path", e.message));
  }

  #rulesFor(lease: HeldLease): readonly IptablesRule[] {
    const config = this.#requireConfig();
    const forward = this.#o.forwardRules ?? true;
    const masq = this.#o.ipMasq ?? false;
    const rules: IptablesRule[] = [];
    if (config.ipv4 !== undefined) {
      if (forward) rules.push(...forwardRules(config.ipv4.network));
      if (masq) rules.push(...masqRules(config.ipv4.network, lease.subnet));
    }
    if (config.ipv6 !== undefined) {
      if (forward) rules.push(...forwardRules(config.ipv6.network));
      if (masq && lease.ipv6Subnet !== undefined) rules.push(...masqRules(config.ipv6.network, lease.ipv6Subnet));
    }
    return rules;
  }

  async #ensureFirewall(): Promise<void> {
    const firewall = this.#o.firewall;
    if (firewall === undefined || this.#rules.length === 0) return;
    const rules = this.#rules;
    const r = await firewall.ensure(rules);
    const before = this.#firewallState;
    if (r.isOk()) {
      if (before?.ok !== true) {
        this.#o.log({ kind: "iptables-ensured", chains: [...new Set(rules.map((x) => `${x.family === 6 ? "ip6tables " : ""}${x.table}/${x.chain}`))], rules: rules.length });
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

  #scheduleReconcile(): void {
    if (this.#stopping !== undefined) return;
    this.#reconcileTimer = this.#o.clock.setTimer(this.#o.reconcileMs ?? DEFAULT_RECONCILE_SECONDS * 1000, () => {
      this.#enqueue(async () => {
        await this.#reconcile();
        this.#scheduleReconcile();
      });
    });
  }

  #configureDocker(lease: HeldLease): ResultAsync<void, AgentError> {
    const docker = this.#o.docker;
    if (docker === undefined) return okAsync(undefined);
    const backend = this.#requireBackend();
    const o = this.#o;
    return docker({ subnet: lease.subnet, mtu: backend.mtu, ipMasq: o.ipMasq ?? false })
      .mapErr((e) => agentError("docker", e.message))
      .map((report) => {
        for (const message of report.warnings) o.log({ kind: "docker-warning", path: report.path, message });
        o.log({ kind: "docker-configured", path: report.path, changed: report.changed, restarted: report.restarted, subnet: lease.subnet, mtu: backend.mtu });
      });
  }

  #requireConfig(): NetworkConfig {
    if (this.#config === undefined) throw new Error("agent: the config was used before it was read");
    return this.#config;
  }

  #requireBackend(): Backend {
    if (this.#backend === undefined) throw new Error("agent: the backend was used before it was opened");
    return this.#backend;
  }

  // Tasks run one at a time, in order. One that throws is a bug: the agent
  // says so and stops cleanly instead of running on half-dead.
  #enqueue(task: () => Promise<void>): void {
    const guarded = async (): Promise<void> => {
      try {
        await task();
      } catch (cause) {
        await this.#fail(agentError("internal", `internal error: ${describe(cause)}`));
      }
    };
    this.#queue = this.#queue.then(guarded, guarded);
  }

  #guard(what: string, handler: () => void): void {
    try {
      handler();
    } catch (cause) {
      void this.#fail(agentError("internal", `internal error in a ${what}: ${describe(cause)}`));
    }
  }

  #onPeerEvent(event: PeerLeaseEvent): void {
    if (this.#stopping !== undefined) return;
    switch (event.kind) {
      case "snapshot":
        this.#peers.clear();
        for (const lease of event.peers) {
          this.#peers.set(lease.key, lease);
          this.#pending.push({ kind: "added", lease });
        }
        break;
      case "unreadable":
        this.#unreadable(event.entry);
        return;
      case "added":
      case "updated":
        this.#peers.set(event.lease.key, event.lease);
        this.#pending.push(event);
        break;
      case "removed":
        this.#peers.delete(event.lease.key);
        this.#pending.push(event);
        break;
    }
    // Changes that arrive together (one watch response, a snapshot) reach the backend as one batch.
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    this.#enqueue(() => this.#flush());
  }

  #unreadable(entry: UnreadableLease): void {
    this.#counters = { ...this.#counters, unreadableLeases: this.#counters.unreadableLeases + 1 };
    this.#o.log({ kind: "peer-lease-unreadable", key: entry.key, message: entry.error.message });
  }

  async #flush(): Promise<void> {
    this.#flushQueued = false;
    const batch = this.#pending;
    this.#pending = [];
    const backend = this.#backend;
    if (batch.length === 0 || backend === undefined || this.#stopping !== undefined) return;
    const applied = await backend.apply(batch);
    if (applied.isErr()) {
      this.#backendFailed(applied.error.message);
      return;
    }
    this.#noteSkipped(applied.value);
    for (const change of batch) this.#logChange(change);
  }

  #logChange(change: PeerChange): void {
    const { lease } = change;
    // A peer the backend left out was never logged as added; its removal is not news either.
    if (change.kind === "removed" ? this.#skipped.delete(lease.key) : this.#skipped.has(lease.key)) return;
    switch (change.kind) {
      case "added":
        return this.#o.log({ kind: "peer-added", subnet: lease.subnet.ipv4, publicIp: lease.attrs.publicIp });
      case "updated":
        return this.#o.log({ kind: "peer-updated", subnet: lease.subnet.ipv4, publicIp: lease.attrs.publicIp, previous: change.previous.attrs.publicIp });
      case "removed":
        return this.#o.log({ kind: "peer-removed", subnet: lease.subnet.ipv4, publicIp: lease.attrs.publicIp });
    }
  }

  #noteSkipped(report: BackendReport): void {
    for (const { lease, reason } of report.skipped) {
      if (this.#skipped.get(lease.key) === reason) continue;
      this.#skipped.set(lease.key, reason);
      this.#counters = { ...this.#counters, skippedPeers: this.#counters.skippedPeers + 1 };
      this.#o.log({ kind: "peer-skipped", subnet: lease.subnet.ipv4, publicIp: lease.attrs.publicIp, reason });
    }
  }

  #backendFailed(message: string): void {
    this.#counters = { ...this.#counters, backendFailures: this.#counters.backendFailures + 1 };
    this.#o.log({ kind: "backend-failed", message });
  }

  async #reconcile(): Promise<void> {
    const backend = this.#backend;
    if (backend === undefined || this.#stopping !== undefined) return;
    const reconciled = await backend.reconcile([...this.#peers.values()]);
    if (reconciled.isErr()) {
      this.#backendFailed(reconciled.error.message);
      return;
    }
    const { stale, restored } = reconciled.value;
    if (stale > 0 || restored > 0) this.#o.log({ kind: "reconciled", name: backend.name, stale, restored });
    this.#noteSkipped(reconciled.value);
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
    const attached = await this.#attach(lease);
    if (attached.isErr()) return this.#fail(attached.error);
    await this.#reconcile();
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
    if (this.#stopping !== undefined) return this.#stopping;
    this.#o.log({ kind: "failed", step: error.step, message: error.message });
    return this.#shutdown({ release: false, reason: `${error.step} failed` }, { kind: "failed", error });
  }

  status(): AgentStatus {
    const config = this.#requireConfig();
    const backend = this.#requireBackend();
    const lease = this.#lease;
    if (lease === undefined) throw new Error("agent: status() before a lease was acquired");
    const peers = [...this.#peers.values()]
      .map((l): AgentPeer => ({ subnet: l.subnet.ipv4, publicIp: l.attrs.publicIp, lease: l }))
      .sort((a, b) => a.subnet.address - b.subnet.address);
    let health: AgentHealth = { healthy: true };
    if (this.#stopping !== undefined) health = { healthy: false, reason: "stopping" };
    else if (this.#leaseLost) health = { healthy: false, reason: `lease on ${formatCidr(lease.subnet)} lost; acquiring again` };
    else if (!this.#running) health = { healthy: false, reason: `the ${backend.name} is not running` };
    return { lease, config, backend: backend.kind, mtu: backend.mtu, peers, counters: this.#counters, health };
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
      this.#reconcileTimer?.cancel();
      await this.#peerWatch?.close();
      // A task in flight finishes first (it sees #stopping and returns early at its next step).
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
      const backend = this.#backend;
      if (backend !== undefined) {
        try {
          const description = await backend.close();
          o.log({ kind: "backend-closed", name: backend.name, description });
        } catch (cause) {
          o.log({ kind: "failed", step: `closing the ${backend.name}`, message: describe(cause) });
        }
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
  return a.family === b.family && a.table === b.table && a.chain === b.chain && a.rulespec.join("\u0000") === b.rulespec.join("\u0000");
}

/**
 * Starts the agent and resolves once it runs: config read, backend opened,
 * lease held, subnet.env written, backend attached, rules installed, Docker
 * configured, peers watched. When a step fails, whatever was set up is
 * undone (the lease is kept) and the error names the step.
 *
 * @param options the ports and settings; see {@link AgentOptions}
 * @returns the running agent, or why it could not start (`aborted` when `signal` ended the wait for the config)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { okAsync } from "flannel-ts/core";
 * import { udpBackend } from "flannel-ts/backend";
 * import { ManualClock } from "flannel-ts/core";
 * import { MemoryRegistry } from "flannel-ts/etcd";
 * import { registryLeases, startAgent } from "flannel-ts/flannel";
 * import { parseIp4 } from "flannel-ts/subnet";
 *
 * const ip = parseIp4("192.0.2.1");
 * if (ip.isErr()) throw new Error(ip.error.message);
 * const clock = new ManualClock();
 * const registry = new MemoryRegistry({ clock });
 * await registry.putConfig('{"Network":"172.20.0.0/16"}');
 * const engine = { setRoute: () => {}, deleteRoute: () => {}, close: () => Promise.resolve() };
 * const agent = await startAgent({
 *   config: registry,
 *   ...registryLeases({ registry, clock }),
 *   external: { name: "eth0", mtu: 1500, ifaceAddress: ip.value, publicIp: ip.value },
 *   backends: { udp: udpBackend({ open: () => okAsync(engine) }) },
 *   subnetFile: { path: "/run/flannel/subnet.env", write: () => okAsync(undefined) },
 *   clock,
 *   log: () => {},
 * });
 * assert.equal(agent.isOk() && agent.value.status().mtu, 1472);
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
