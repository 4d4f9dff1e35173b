import { errAsync, ok, okAsync, type ResultAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import { type Backend, type BackendReport, EMPTY_BACKEND_REPORT, type ExternalInterface, type PeerChange } from "../backend/backend.ts";
import { udpBackend, type UdpEnginePort, type UdpEngineSpec } from "../backend/udp/udp-backend.ts";
import { ManualClock } from "../core/clock.ts";
import { formatLeaseAttrs, type LeaseAttrs } from "../etcd/lease-attrs.ts";
import { MemoryRegistry } from "../etcd/memory-registry.ts";
import type { LeaseRecord } from "../etcd/registry.ts";
import { type Cidr4, type Cidr6, formatCidr, parseCidr4, parseCidr6 as parseCidr6Result } from "../subnet/cidr.ts";
import { formatIp, type Ip4, type Ip6, parseIp4, parseIp6 as parseIp6Result } from "../subnet/ip.ts";
import { formatSubnetKey } from "../subnet/subnet-key.ts";
import { type AgentEvent, formatAgentEvent } from "./agent-events.ts";
import type { DockerTarget, HeldLease, LeaseKeeper, LeaseKeeperEvent, LeaseRequest, PeerSource, PortError } from "./agent-ports.ts";
import { type AgentOptions, startAgent } from "./agent.ts";
import type { IptablesRule } from "./iptables-rules.ts";
import type { PeerLeaseEvent } from "./lease-peer-set.ts";
import type { SubnetEnv } from "./subnet-env.ts";

const cidr = (text: string): Cidr4 => parseCidr4(text)._unsafeUnwrap();
const ip = (text: string): Ip4 => parseIp4(text)._unsafeUnwrap();
const portError = (message: string): PortError => ({ kind: "fake", message });
const parseIp6 = (text: string): Ip6 => parseIp6Result(text)._unsafeUnwrap();
const parseCidr6 = (text: string): Cidr6 => parseCidr6Result(text)._unsafeUnwrap();
const okV6 = (e: ExternalInterface) => ok<ExternalInterface, PortError>(e);

/** A peer's lease as the registry reports it. */
function peer(subnet: string, publicIp: string, extra: Partial<LeaseAttrs> = {}): LeaseRecord {
  const attrs: LeaseAttrs = { publicIp: ip(publicIp), ...extra };
  const key = { ipv4: cidr(subnet) };
  return { key: `/atomic.io/network/subnets/${formatSubnetKey(key)}`, subnet: key, attrs, value: formatLeaseAttrs(attrs), leaseId: "1", createRevision: 1, modRevision: 1 };
}

class FakeKeeper implements LeaseKeeper {
  requests: LeaseRequest[] = [];
  stops: boolean[] = [];
  lookups: Ip4[] = [];
  stored: LeaseAttrs | undefined;
  constructor(public lease: HeldLease | PortError) {}
  lookup(publicIp: Ip4): ResultAsync<LeaseAttrs | undefined, PortError> {
    this.lookups.push(publicIp);
    return okAsync(this.stored);
  }
  start(request: LeaseRequest): ResultAsync<HeldLease, PortError> {
    this.requests.push(request);
    return "subnet" in this.lease ? okAsync(this.lease) : errAsync(this.lease);
  }
  stop(options: { release: boolean }): ResultAsync<void, PortError> {
    this.stops.push(options.release);
    return okAsync(undefined);
  }
  emit(event: LeaseKeeperEvent): void {
    const request = this.requests[0];
    if (request === undefined) throw new Error("not started");
    request.onEvent(event);
  }
}

class FakePeers implements PeerSource {
  handler: ((e: PeerLeaseEvent) => void) | undefined;
  closed = 0;
  watch(onEvent: (e: PeerLeaseEvent) => void): { close(): Promise<void> } {
    this.handler = onEvent;
    return {
      close: () => {
        this.closed++;
        return Promise.resolve();
      },
    };
  }
  emit(...events: PeerLeaseEvent[]): void {
    if (this.handler === undefined) throw new Error("not watching");
    for (const e of events) this.handler(e);
  }
}

interface FakeEngine {
  readonly spec: UdpEngineSpec;
  readonly routes: Map<string, string>;
  closed: boolean;
}

/** The real UDP backend over engines that only record what they are told. */
function fakeEngines(fail?: string): { opened: FakeEngine[]; open: Parameters<typeof udpBackend>[0]["open"]; die: (reason: string) => void } {
  let die: (reason: string) => void = () => undefined;
  const opened: FakeEngine[] = [];
  return {
    opened,
    open: (spec) => {
      if (fail !== undefined) return errAsync(portError(fail));
      const engine: FakeEngine = { spec, routes: new Map(), closed: false };
      opened.push(engine);
      const port: UdpEnginePort = {
        setRoute: (subnet, publicIp) => engine.routes.set(formatCidr(subnet), formatIp(publicIp)),
        deleteRoute: (subnet) => engine.routes.delete(formatCidr(subnet)),
        close: () => {
          engine.closed = true;
          return Promise.resolve();
        },
        failed: new Promise<string>((resolve) => {
          die = resolve;
        }),
      };
      return okAsync(port);
    },
    die: (reason) => die(reason),
  };
}

/** A backend that records every call: what the agent hands a backend, and when. */
class RecordingBackend implements Backend {
  readonly kind = "vxlan" as const;
  readonly name = "VXLAN";
  readonly leaseAttrs = { backendType: "vxlan" };
  readonly mtu = 1450;
  readonly calls: string[] = [];
  report: Partial<BackendReport> = {};
  failApply: string | undefined;
  attach(lease: { subnet: Cidr4 }): ResultAsync<string, never> {
    this.calls.push(`attach ${formatCidr(lease.subnet)}`);
    return okAsync(`flannel.1 at ${formatCidr(lease.subnet)}`);
  }
  apply(changes: readonly PeerChange[]): ResultAsync<BackendReport, { kind: "backend"; backend: string; step: "apply"; message: string }> {
    this.calls.push(`apply ${changes.map((c) => `${c.kind} ${formatCidr(c.lease.subnet.ipv4)}`).join(", ")}`);
    if (this.failApply !== undefined) return errAsync({ kind: "backend", backend: "vxlan", step: "apply", message: this.failApply });
    return okAsync({ ...EMPTY_BACKEND_REPORT, ...this.report });
  }
  reconcile(peers: readonly LeaseRecord[]): ResultAsync<BackendReport, never> {
    this.calls.push(`reconcile ${peers.map((p) => formatCidr(p.subnet.ipv4)).join(", ")}`);
    return okAsync({ ...EMPTY_BACKEND_REPORT, ...this.report });
  }
  close(): Promise<string> {
    this.calls.push("close");
    return Promise.resolve("flannel.1 removed");
  }
}

class FakeFirewall {
  readonly rules = new Set<string>();
  failures: string[] = [];
  ensure(rules: readonly IptablesRule[]): ResultAsync<void, PortError> {
    const failure = this.failures.shift();
    if (failure !== undefined) return errAsync(portError(failure));
    for (const r of rules) this.rules.add(show(r));
    return okAsync(undefined);
  }
  remove(rules: readonly IptablesRule[]): ResultAsync<void, PortError> {
    for (const r of rules) this.rules.delete(show(r));
    return okAsync(undefined);
  }
}
const show = (r: IptablesRule): string => `${r.family === 6 ? "ip6 " : ""}${r.table} ${r.chain} ${r.rulespec.join(" ")}`;

const config = '{"Network":"172.20.0.0/16"}';
const external = { name: "eth0", mtu: 1500, ifaceAddress: ip("192.0.2.1"), publicIp: ip("192.0.2.1") };
const lease1: HeldLease = { subnet: cidr("172.20.5.0/24"), publicIp: ip("192.0.2.1"), expiresAt: 86_400_000 };

function setup(
  overrides: Partial<AgentOptions> & { lease?: HeldLease | PortError; dataPathFailure?: string; registry?: MemoryRegistry; tunName?: string; sourceFilter?: boolean } = {},
) {
  const clock = new ManualClock(0);
  const registry = overrides.registry ?? new MemoryRegistry({ clock, prefix: "/atomic.io/network" });
  const keeper = new FakeKeeper(overrides.lease ?? lease1);
  const peers = new FakePeers();
  const paths = fakeEngines(overrides.dataPathFailure);
  const firewall = new FakeFirewall();
  const written: SubnetEnv[] = [];
  const events: AgentEvent[] = [];
  const options: AgentOptions = {
    config: registry,
    leases: keeper,
    peers,
    external,
    backends: {
      udp: udpBackend({
        open: paths.open,
        ...(overrides.tunName === undefined ? {} : { device: overrides.tunName }),
        ...(overrides.sourceFilter === undefined ? {} : { sourceFilter: overrides.sourceFilter }),
      }),
    },
    subnetFile: {
      path: "/run/flannel/subnet.env",
      write: (env) => {
        written.push(env);
        return okAsync(undefined);
      },
    },
    clock,
    log: (e) => events.push(e),
    firewall,
    ...overrides,
  };
  const lines = (): string[] => events.map(formatAgentEvent);
  return { clock, registry, keeper, peers, paths, firewall, written, events, lines, options };
}

async function started(s: ReturnType<typeof setup>) {
  (await s.registry.putConfig(config))._unsafeUnwrap();
  return (await startAgent(s.options))._unsafeUnwrap();
}

describe("startAgent", () => {
  it("reads the config, opens the backend, leases, writes subnet.env, attaches the backend, installs the forward rules", async () => {
    const s = setup({ previousSubnet: { ipv4: cidr("172.20.5.0/24") } });
    const agent = await started(s);
    expect(s.keeper.lookups).toEqual([ip("192.0.2.1")]);
    expect(
      s.keeper.requests.map((r) => ({
        attrs: r.attrs,
        previous: r.previousSubnet && formatSubnetKey(r.previousSubnet),
        network: r.config.ipv4 && formatCidr(r.config.ipv4.network),
      })),
    ).toEqual([
      { attrs: { publicIp: ip("192.0.2.1") }, previous: "172.20.5.0-24", network: "172.20.0.0/16" },
    ]);
    expect(s.written).toEqual([{ network: cidr("172.20.0.0/16"), subnet: lease1.subnet, mtu: 1472, ipMasq: false }]);
    expect(s.paths.opened.map((p) => p.spec)).toEqual([
      { device: "flannel0", subnet: lease1.subnet, network: cidr("172.20.0.0/16"), mtu: 1472, bindAddress: ip("192.0.2.1"), port: 8285, sourceFilter: true },
    ]);
    expect([...s.firewall.rules]).toEqual([
      "filter FORWARD -m comment --comment flanneld forward -j FLANNEL-FWD",
      "filter FLANNEL-FWD -s 172.20.0.0/16 -m comment --comment flanneld forward -j ACCEPT",
      "filter FLANNEL-FWD -d 172.20.0.0/16 -m comment --comment flanneld forward -j ACCEPT",
    ]);
    expect(s.lines()).toEqual([
      "found network config: Backend type udp, Network 172.20.0.0/16, UDP port 8285",
      "using interface eth0 (192.0.2.1, MTU 1500) as external interface; PublicIP 192.0.2.1",
      "lease acquired: subnet 172.20.5.0/24 for PublicIP 192.0.2.1, expires 1970-01-02T00:00:00.000Z",
      "wrote subnet file /run/flannel/subnet.env: subnet 172.20.5.0/24, MTU 1472",
      "UDP engine up: flannel0 for subnet 172.20.5.0/24, MTU 1472, listening on 192.0.2.1:8285",
      "iptables rules in place: 3 rules in filter/FORWARD, filter/FLANNEL-FWD",
      "running: subnet 172.20.5.0/24",
    ]);
    expect(agent.status()).toMatchObject({ lease: lease1, backend: "udp", mtu: 1472, peers: [], health: { healthy: true } });
    await agent.stop();
  });

  it("retries every second until the config is there, and parses it with flanneld's defaults", async () => {
    const s = setup();
    const starting = startAgent(s.options);
    await s.clock.advanceAsync(0);
    expect(s.lines()).toEqual([
      'couldn\'t fetch network config: no network config at /atomic.io/network/config: write one first (flannel-ts config set \'{"Network":"10.5.0.0/16"}\') (retrying every second)',
    ]);
    expect(s.events.filter((e) => e.kind === "config-unavailable")).toHaveLength(1);
    await s.clock.advanceAsync(1000);
    expect(s.events.filter((e) => e.kind === "config-unavailable")).toHaveLength(2);
    (await s.registry.putConfig('{"Network":"172.20.0.0/16","Backend":{"Type":"UDP","Port":7890}}'))._unsafeUnwrap();
    await s.clock.advanceAsync(1000);
    const agent = (await starting)._unsafeUnwrap();
    expect(agent.status().config.backend).toMatchObject({ kind: "udp", port: 7890 });
    expect(s.paths.opened[0]?.spec.port).toBe(7890);
    await agent.stop();
  });

  it("keeps retrying while the config is invalid, naming the problem", async () => {
    const s = setup();
    (await s.registry.putConfig('{"Network":"172.20.0.0/33"}'))._unsafeUnwrap();
    const starting = startAgent(s.options);
    await s.clock.advanceAsync(0);
    const first = s.events[0];
    expect(first?.kind).toBe("config-unavailable");
    expect(first !== undefined && formatAgentEvent(first)).toMatch(/^couldn't fetch network config: the config is not valid: .*172\.20\.0\.0\/33/);
    (await s.registry.putConfig(config, { overwrite: true }))._unsafeUnwrap();
    await s.clock.advanceAsync(1000);
    const agent = (await starting)._unsafeUnwrap();
    await agent.stop();
  });

  it("ends the wait for the config when aborted", async () => {
    const controller = new AbortController();
    const s = setup({ signal: controller.signal });
    const starting = startAgent(s.options);
    await s.clock.advanceAsync(0);
    controller.abort();
    expect((await starting)._unsafeUnwrapErr()).toEqual({ kind: "agent", step: "aborted", message: "stopped while waiting for the network config" });
    expect(s.keeper.requests).toEqual([]);
  });

  const refusals: ReadonlyArray<readonly [string, string, number, object]> = [
    [
      "a backend it was not given",
      '{"Network":"172.20.0.0/16","Backend":{"Type":"vxlan"}}',
      1500,
      {
        kind: "agent",
        step: "config",
        message: 'the network config\'s Backend.Type is "vxlan"; this agent carries udp: set "Backend": {"Type": "udp"} or run a flanneld with that backend',
      },
    ],
    [
      "a backend flannel-ts does not carry",
      '{"Network":"172.20.0.0/16","Backend":{"Type":"wireguard"}}',
      1500,
      {
        kind: "agent",
        step: "config",
        message: 'the network config\'s Backend.Type is "wireguard"; this agent carries udp: set "Backend": {"Type": "udp"} or run a flanneld with that backend',
      },
    ],
    [
      "IPv6 only on udp",
      '{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fd00:20::/56"}',
      1500,
      { kind: "agent", step: "backend", message: "the network config has IPv4 turned off; the udp backend carries IPv4 only: set Network and leave EnableIPv4 true" },
    ],
    ["an MTU too small", config, 90, { kind: "agent", step: "backend" }],
  ];
  it.each(refusals)("refuses %s before leasing", async (_name, text, mtu, expected) => {
    const s = setup({ external: { ...external, mtu } });
    (await s.registry.putConfig(text))._unsafeUnwrap();
    expect((await startAgent(s.options))._unsafeUnwrapErr()).toMatchObject(expected);
    expect(s.keeper.requests).toEqual([]);
  });

  it("uses --ip-masq: subnet.env says so and the masquerading rules follow the subnet", async () => {
    const s = setup({ ipMasq: true, forwardRules: false, tunName: "flannel7", sourceFilter: false });
    const agent = await started(s);
    expect(s.written[0]?.ipMasq).toBe(true);
    expect(s.paths.opened[0]?.spec).toMatchObject({ device: "flannel7", sourceFilter: false });
    expect([...s.firewall.rules]).toEqual([
      "nat POSTROUTING -m comment --comment flanneld masq -j FLANNEL-POSTRTG",
      "nat FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment flanneld masq -j RETURN",
      "nat FLANNEL-POSTRTG -s 172.20.5.0/24 -d 172.20.0.0/16 -m comment --comment flanneld masq -j RETURN",
      "nat FLANNEL-POSTRTG -s 172.20.0.0/16 -d 172.20.5.0/24 -m comment --comment flanneld masq -j RETURN",
      "nat FLANNEL-POSTRTG ! -s 172.20.0.0/16 -d 172.20.5.0/24 -m comment --comment flanneld masq -j RETURN",
      "nat FLANNEL-POSTRTG -s 172.20.0.0/16 ! -d 224.0.0.0/4 -m comment --comment flanneld masq -j MASQUERADE",
      "nat FLANNEL-POSTRTG ! -s 172.20.0.0/16 -d 172.20.0.0/16 -m comment --comment flanneld masq -j MASQUERADE",
    ]);
    await agent.stop();
    expect([...s.firewall.rules]).toEqual([]);
  });

  it("keeps the UDP engine's routes in step with the peers' leases", async () => {
    const s = setup();
    const agent = await started(s);
    const engine = s.paths.opened[0]!;
    s.events.length = 0;
    const b = peer("172.20.9.0/24", "192.0.2.2");
    const c = peer("172.20.3.0/24", "192.0.2.3");
    const c2 = peer("172.20.3.0/24", "192.0.2.4");
    s.peers.emit({ kind: "snapshot", peers: [b] }, { kind: "added", lease: c }, { kind: "updated", lease: c2, previous: c });
    await s.clock.advanceAsync(0);
    expect(Object.fromEntries(engine.routes)).toEqual({ "172.20.9.0/24": "192.0.2.2", "172.20.3.0/24": "192.0.2.4" });
    expect(agent.status().peers.map((p) => formatCidr(p.subnet))).toEqual(["172.20.3.0/24", "172.20.9.0/24"]);
    s.peers.emit({ kind: "removed", lease: b });
    await s.clock.advanceAsync(0);
    expect(Object.fromEntries(engine.routes)).toEqual({ "172.20.3.0/24": "192.0.2.4" });
    expect(s.lines()).toEqual([
      "peer added: subnet 172.20.9.0/24 via PublicIP 192.0.2.2",
      "peer added: subnet 172.20.3.0/24 via PublicIP 192.0.2.3",
      "peer updated: subnet 172.20.3.0/24 now via PublicIP 192.0.2.4 (was 192.0.2.3)",
      "peer removed: subnet 172.20.9.0/24 (was via PublicIP 192.0.2.2)",
    ]);
    await agent.stop();
    expect(s.peers.closed).toBe(1);
  });

  it("hands the backend the changes that arrive together as one batch, and reconciles every 10 s", async () => {
    const backend = new RecordingBackend();
    const s = setup({ backends: { vxlan: () => okAsync(backend) } });
    (await s.registry.putConfig('{"Network":"172.20.0.0/16","Backend":{"Type":"vxlan"}}'))._unsafeUnwrap();
    const agent = (await startAgent(s.options))._unsafeUnwrap();
    expect(s.keeper.requests[0]?.attrs).toEqual({ publicIp: ip("192.0.2.1"), backendType: "vxlan" });
    expect(s.written[0]?.mtu).toBe(1450);
    const leases = Array.from({ length: 5 }, (_, i) => peer(`172.20.${10 + i}.0/24`, `192.0.2.${10 + i}`));
    s.peers.emit({ kind: "snapshot", peers: leases.slice(0, 2) });
    s.peers.emit(...leases.slice(2).map((lease): PeerLeaseEvent => ({ kind: "added", lease })));
    await s.clock.advanceAsync(0);
    s.peers.emit({ kind: "removed", lease: leases[0]! });
    await s.clock.advanceAsync(0);
    await s.clock.advanceAsync(10_000);
    expect(backend.calls).toEqual([
      "attach 172.20.5.0/24",
      "apply added 172.20.10.0/24, added 172.20.11.0/24, added 172.20.12.0/24, added 172.20.13.0/24, added 172.20.14.0/24",
      "apply removed 172.20.10.0/24",
      "reconcile 172.20.11.0/24, 172.20.12.0/24, 172.20.13.0/24, 172.20.14.0/24",
    ]);
    await agent.stop();
    expect(backend.calls.at(-1)).toBe("close");
    expect(s.lines().at(-2)).toBe("VXLAN stopped: flannel.1 removed");
  });

  it("logs a skipped peer once, counts unreadable leases, and survives a backend failure", async () => {
    const backend = new RecordingBackend();
    const s = setup({ backends: { vxlan: () => okAsync(backend) } });
    (await s.registry.putConfig('{"Network":"172.20.0.0/16","Backend":{"Type":"vxlan"}}'))._unsafeUnwrap();
    const agent = (await startAgent(s.options))._unsafeUnwrap();
    s.events.length = 0;
    const far = peer("172.20.9.0/24", "198.51.100.9");
    backend.report = { skipped: [{ lease: far, reason: "198.51.100.9 is not on eth0's network" }] };
    s.peers.emit({ kind: "added", lease: far });
    await s.clock.advanceAsync(0);
    await s.clock.advanceAsync(10_000);
    s.peers.emit({
      kind: "unreadable",
      entry: {
        key: "/atomic.io/network/subnets/172.20.66.0-24",
        value: "[[[",
        error: { kind: "invalid-lease-value", value: "[[[", reason: "not JSON", message: "invalid lease value: not JSON" },
      },
    });
    backend.failApply = "netlink: ENOBUFS";
    s.peers.emit({ kind: "removed", lease: far });
    await s.clock.advanceAsync(0);
    expect(s.lines()).toEqual([
      "peer skipped: subnet 172.20.9.0/24 via PublicIP 198.51.100.9: 198.51.100.9 is not on eth0's network",
      "peer lease skipped: /atomic.io/network/subnets/172.20.66.0-24 cannot be read: invalid lease value: not JSON",
      "the backend could not program the peers: netlink: ENOBUFS (the next change or reconcile tries again)",
    ]);
    expect(agent.status().counters).toEqual({ unreadableLeases: 1, skippedPeers: 1, backendFailures: 1 });
    expect(agent.status().health).toEqual({ healthy: true });
    await agent.stop();
  });

  it("stops cleanly when a handler throws (a bug), instead of running on half-dead", async () => {
    const backend = new RecordingBackend();
    backend.apply = () => {
      throw new Error("boom");
    };
    const s = setup({ backends: { vxlan: () => okAsync(backend) } });
    (await s.registry.putConfig('{"Network":"172.20.0.0/16","Backend":{"Type":"vxlan"}}'))._unsafeUnwrap();
    const agent = (await startAgent(s.options))._unsafeUnwrap();
    s.peers.emit({ kind: "added", lease: peer("172.20.9.0/24", "192.0.2.9") });
    expect(await agent.done).toEqual({ kind: "failed", error: { kind: "agent", step: "internal", message: "internal error: boom" } });
    expect(s.firewall.rules.size).toBe(0);
    expect(backend.calls.at(-1)).toBe("close");
  });

  it("logs renewals and follows a lease acquired again on the same subnet without touching the data path", async () => {
    const s = setup();
    const agent = await started(s);
    s.events.length = 0;
    const renewed = { ...lease1, expiresAt: 2 * 86_400_000 };
    s.keeper.emit({ kind: "renewed", lease: renewed });
    s.keeper.emit({ kind: "renew-failed", lease: renewed, message: "etcd unavailable", retryInMs: 60_000 });
    s.keeper.emit({ kind: "lost", lease: renewed, reason: "the key was deleted" });
    expect(agent.status().health).toEqual({ healthy: false, reason: "lease on 172.20.5.0/24 lost; acquiring again" });
    s.keeper.emit({ kind: "reacquire-failed", message: "etcd unavailable", retryInMs: 1000 });
    s.keeper.emit({ kind: "reacquired", lease: renewed, previous: renewed });
    await s.clock.advanceAsync(0);
    expect(agent.status().health).toEqual({ healthy: true });
    expect(s.paths.opened).toHaveLength(1);
    expect(s.written).toHaveLength(1);
    expect(s.lines()).toEqual([
      "lease renewed: subnet 172.20.5.0/24, expires 1970-01-03T00:00:00.000Z",
      "lease renewal failed: subnet 172.20.5.0/24: etcd unavailable (trying again in 60 s)",
      "lease lost: subnet 172.20.5.0/24: the key was deleted; acquiring again",
      "acquiring the lease again failed: etcd unavailable (trying again in 1 s)",
      "lease acquired again: subnet 172.20.5.0/24 (the same) for PublicIP 192.0.2.1, expires 1970-01-03T00:00:00.000Z",
    ]);
    await agent.stop();
  });

  it("reconfigures everything that names the subnet when a new one is acquired", async () => {
    const docker: DockerTarget[] = [];
    const s = setup({
      ipMasq: true,
      docker: (target) => {
        docker.push(target);
        return okAsync({ path: "/etc/docker/daemon.json", changed: true, restarted: true, warnings: [] });
      },
    });
    const agent = await started(s);
    const other = peer("172.20.7.0/24", "192.0.2.3");
    s.peers.emit({ kind: "snapshot", peers: [peer("172.20.9.0/24", "192.0.2.2"), other] });
    await s.clock.advanceAsync(0);
    s.keeper.emit({ kind: "lost", lease: lease1, reason: "expired" });
    // The other host's lease on 172.20.7.0/24 is gone and this host gets it.
    s.peers.emit({ kind: "removed", lease: other });
    const lease2: HeldLease = { ...lease1, subnet: cidr("172.20.7.0/24") };
    s.keeper.emit({ kind: "reacquired", lease: lease2, previous: lease1 });
    await s.clock.advanceAsync(0);
    expect(s.written.map((w) => w.subnet && formatCidr(w.subnet))).toEqual(["172.20.5.0/24", "172.20.7.0/24"]);
    expect(s.paths.opened.map((p) => [formatCidr(p.spec.subnet), p.closed])).toEqual([
      ["172.20.5.0/24", true],
      ["172.20.7.0/24", false],
    ]);
    expect(Object.fromEntries(s.paths.opened[1]!.routes)).toEqual({ "172.20.9.0/24": "192.0.2.2" });
    expect([...s.firewall.rules].filter((r) => r.includes("172.20.5.0/24"))).toEqual([]);
    expect([...s.firewall.rules].filter((r) => r.includes("172.20.7.0/24"))).toHaveLength(3);
    expect(docker.map((d) => formatCidr(d.subnet))).toEqual(["172.20.5.0/24", "172.20.7.0/24"]);
    expect(s.lines().slice(-6)).toEqual([
      "lease acquired again: subnet 172.20.7.0/24 (was 172.20.5.0/24) for PublicIP 192.0.2.1, expires 1970-01-02T00:00:00.000Z",
      "peer removed: subnet 172.20.7.0/24 (was via PublicIP 192.0.2.3)",
      "wrote subnet file /run/flannel/subnet.env: subnet 172.20.7.0/24, MTU 1472",
      "UDP engine up: flannel0 for subnet 172.20.7.0/24, MTU 1472, listening on 192.0.2.1:8285",
      "iptables rules in place: 10 rules in filter/FORWARD, filter/FLANNEL-FWD, nat/POSTROUTING, nat/FLANNEL-POSTRTG",
      "docker configured: /etc/docker/daemon.json now has bip 172.20.7.1/24 and mtu 1472; dockerd restarted and verified",
    ]);
    await agent.stop();
  });

  it("stops cleanly: keeps the lease, removes the rules and the TUN device", async () => {
    const s = setup();
    const agent = await started(s);
    s.events.length = 0;
    await agent.stop({ reason: "SIGTERM" });
    await agent.stop();
    expect(await agent.done).toEqual({ kind: "stopped" });
    expect(s.keeper.stops).toEqual([false]);
    expect(s.firewall.rules.size).toBe(0);
    expect(s.paths.opened[0]?.closed).toBe(true);
    expect(agent.status().health).toEqual({ healthy: false, reason: "stopping" });
    expect(s.lines()).toEqual([
      "stopping: SIGTERM",
      "lease kept: subnet 172.20.5.0/24 stays leased until its TTL runs out (--release gives it back)",
      "iptables rules removed: 3 rules",
      "UDP engine stopped: flannel0 removed",
      "stopped cleanly",
    ]);
  });

  it("gives the lease back with release", async () => {
    const s = setup();
    const agent = await started(s);
    await agent.stop({ release: true });
    expect(s.keeper.stops).toEqual([true]);
    expect(s.lines()).toContain("lease released: subnet 172.20.5.0/24 deleted from the store");
  });

  it("undoes what it set up when a step fails, and keeps the lease", async () => {
    const s = setup({ docker: () => errAsync(portError("daemon.json: hosts is set both as a flag and in the file")) });
    (await s.registry.putConfig(config))._unsafeUnwrap();
    expect((await startAgent(s.options))._unsafeUnwrapErr()).toEqual({ kind: "agent", step: "docker", message: "daemon.json: hosts is set both as a flag and in the file" });
    expect(s.keeper.stops).toEqual([false]);
    expect(s.firewall.rules.size).toBe(0);
    expect(s.paths.opened[0]?.closed).toBe(true);
  });

  it("fails when no lease can be had, or the data path does not open", async () => {
    const noLease = setup({ lease: portError("out of subnets in 172.20.0.0/16") });
    (await noLease.registry.putConfig(config))._unsafeUnwrap();
    expect((await startAgent(noLease.options))._unsafeUnwrapErr()).toEqual({ kind: "agent", step: "lease", message: "out of subnets in 172.20.0.0/16" });
    expect(noLease.keeper.stops).toEqual([]);

    const noTun = setup({ dataPathFailure: "cannot open /dev/net/tun: EPERM" });
    (await noTun.registry.putConfig(config))._unsafeUnwrap();
    expect((await startAgent(noTun.options))._unsafeUnwrapErr()).toEqual({ kind: "agent", step: "data-path", message: "cannot open /dev/net/tun: EPERM" });
    expect(noTun.keeper.stops).toEqual([false]);
  });

  it("puts the rules back every resync and logs only changes", async () => {
    const s = setup({ iptablesResyncMs: 5000 });
    s.firewall.failures = ["iptables: command not found", "iptables: command not found"];
    const agent = await started(s);
    await s.clock.advanceAsync(5000);
    s.firewall.rules.clear();
    await s.clock.advanceAsync(5000);
    expect(s.firewall.rules.size).toBe(3);
    await s.clock.advanceAsync(5000);
    expect(s.events.filter((e) => e.kind.startsWith("iptables")).map(formatAgentEvent)).toEqual([
      "iptables: iptables: command not found (trying again at the next resync)",
      "iptables rules in place: 3 rules in filter/FORWARD, filter/FLANNEL-FWD",
    ]);
    await agent.stop();
  });

  it("stops on its own when reconfiguring fails", async () => {
    let calls = 0;
    const s = setup({
      docker: () => (++calls === 1
        ? okAsync({ path: "/etc/docker/daemon.json", changed: false, restarted: false, warnings: ["hosts: tcp://0.0.0.0:2375 without TLS"] })
        : errAsync(portError("dockerd did not come back"))),
    });
    const agent = await started(s);
    expect(s.lines()).toContain("docker: /etc/docker/daemon.json: hosts: tcp://0.0.0.0:2375 without TLS");
    s.keeper.emit({ kind: "reacquired", lease: { ...lease1, subnet: cidr("172.20.8.0/24") }, previous: lease1 });
    expect(await agent.done).toEqual({ kind: "failed", error: { kind: "agent", step: "docker", message: "dockerd did not come back" } });
    expect(s.keeper.stops).toEqual([false]);
    expect(s.paths.opened.every((p) => p.closed)).toBe(true);
    expect(s.lines()).toContain("docker failed: dockerd did not come back");
  });

  it("stops on its own when the UDP engine dies", async () => {
    const s = setup();
    const agent = await started(s);
    s.paths.die("the outbound forwarder exited: EBADF");
    expect(await agent.done).toEqual({ kind: "failed", error: { kind: "agent", step: "data-path", message: "the UDP engine stopped: the outbound forwarder exited: EBADF" } });
    expect(s.keeper.stops).toEqual([false]);
    expect(s.firewall.rules.size).toBe(0);
  });

  it("writes a dual-stack lease: PublicIPv6, the IPv6 lines of subnet.env and ip6tables rules", async () => {
    const backend = new RecordingBackend();
    const v6 = { ...external, ifaceAddressV6: parseIp6("fd00:9::1"), publicIpv6: parseIp6("fd00:9::1") };
    const lease: HeldLease = { ...lease1, ipv6Subnet: parseCidr6("fd10:0:0:37::/64") };
    const s = setup({ lease, external: () => okV6(v6), backends: { vxlan: () => okAsync(backend) } });
    (await s.registry.putConfig('{"Network":"172.20.0.0/16","EnableIPv6":true,"IPv6Network":"fd10::/56","Backend":{"Type":"vxlan"}}'))._unsafeUnwrap();
    const agent = (await startAgent(s.options))._unsafeUnwrap();
    expect(s.keeper.requests[0]?.attrs).toEqual({ publicIp: ip("192.0.2.1"), publicIpv6: parseIp6("fd00:9::1"), backendType: "vxlan" });
    expect(s.written[0]).toEqual({
      network: cidr("172.20.0.0/16"),
      subnet: lease1.subnet,
      ipv6Network: parseCidr6("fd10::/56"),
      ipv6Subnet: parseCidr6("fd10:0:0:37::/64"),
      mtu: 1450,
      ipMasq: false,
    });
    expect([...s.firewall.rules].filter((r) => r.startsWith("ip6 "))).toEqual([
      "ip6 filter FORWARD -m comment --comment flanneld forward -j FLANNEL-FWD",
      "ip6 filter FLANNEL-FWD -s fd10::/56 -m comment --comment flanneld forward -j ACCEPT",
      "ip6 filter FLANNEL-FWD -d fd10::/56 -m comment --comment flanneld forward -j ACCEPT",
    ]);
    expect(s.lines()[1]).toBe("using interface eth0 (192.0.2.1, MTU 1500) as external interface; PublicIP 192.0.2.1, PublicIPv6 fd00:9::1");
    await agent.stop();
  });
});
