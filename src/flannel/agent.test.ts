import { errAsync, okAsync, type ResultAsync } from "neverthrow";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { MemoryRegistry } from "../etcd/memory-registry.ts";
import { formatCidr, parseCidr4, type Cidr4 } from "../subnet/cidr.ts";
import { formatIp, parseIp4, type Ip4 } from "../subnet/ip.ts";
import { formatAgentEvent, type AgentEvent } from "./agent-events.ts";
import type { DataPath, DataPathSpec, DockerTarget, HeldLease, LeaseKeeper, LeaseKeeperEvent, LeaseRequest, PeerEvent, PeerSource, PortError } from "./agent-ports.ts";
import { startAgent, type AgentOptions } from "./agent.ts";
import type { IptablesRule } from "./iptables-rules.ts";
import type { SubnetEnv } from "./subnet-env.ts";

const cidr = (text: string): Cidr4 => parseCidr4(text)._unsafeUnwrap();
const ip = (text: string): Ip4 => parseIp4(text)._unsafeUnwrap();
const portError = (message: string): PortError => ({ kind: "fake", message });

class FakeKeeper implements LeaseKeeper {
  requests: LeaseRequest[] = [];
  stops: boolean[] = [];
  constructor(public lease: HeldLease | PortError) {}
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
  handler: ((e: PeerEvent) => void) | undefined;
  closed = 0;
  watch(onEvent: (e: PeerEvent) => void): { close(): Promise<void> } {
    this.handler = onEvent;
    return {
      close: () => {
        this.closed++;
        return Promise.resolve();
      },
    };
  }
  emit(event: PeerEvent): void {
    if (this.handler === undefined) throw new Error("not watching");
    this.handler(event);
  }
}

interface FakePath {
  readonly spec: DataPathSpec;
  readonly routes: Map<string, string>;
  closed: boolean;
}

function fakeDataPaths(fail?: string): { opened: FakePath[]; open: AgentOptions["openDataPath"]; die: (reason: string) => void } {
  let die: (reason: string) => void = () => undefined;
  const opened: FakePath[] = [];
  return {
    opened,
    open: (spec) => {
      if (fail !== undefined) return errAsync(portError(fail));
      const path: FakePath = { spec, routes: new Map(), closed: false };
      opened.push(path);
      const dataPath: DataPath = {
        setRoute: (subnet, publicIp) => path.routes.set(formatCidr(subnet), formatIp(publicIp)),
        deleteRoute: (subnet) => path.routes.delete(formatCidr(subnet)),
        close: () => {
          path.closed = true;
          return Promise.resolve();
        },
        failed: new Promise<string>((resolve) => {
          die = resolve;
        }),
      };
      return okAsync(dataPath);
    },
    die: (reason) => die(reason),
  };
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
const show = (r: IptablesRule): string => `${r.table} ${r.chain} ${r.rulespec.join(" ")}`;

const config = '{"Network":"172.20.0.0/16"}';
const external = { name: "eth0", mtu: 1500, ifaceAddress: ip("192.0.2.1"), publicIp: ip("192.0.2.1") };
const lease1: HeldLease = { subnet: cidr("172.20.5.0/24"), publicIp: ip("192.0.2.1"), expiresAt: 86_400_000 };

function setup(overrides: Partial<AgentOptions> & { lease?: HeldLease | PortError; dataPathFailure?: string; registry?: MemoryRegistry } = {}) {
  const clock = new ManualClock(0);
  const registry = overrides.registry ?? new MemoryRegistry({ clock, prefix: "/atomic.io/network" });
  const keeper = new FakeKeeper(overrides.lease ?? lease1);
  const peers = new FakePeers();
  const paths = fakeDataPaths(overrides.dataPathFailure);
  const firewall = new FakeFirewall();
  const written: SubnetEnv[] = [];
  const events: AgentEvent[] = [];
  const options: AgentOptions = {
    config: registry,
    leases: keeper,
    peers,
    external,
    openDataPath: paths.open,
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
  it("reads the config, leases, writes subnet.env, opens the data path, installs the forward rules", async () => {
    const s = setup({ previousSubnet: cidr("172.20.5.0/24") });
    const agent = await started(s);
    expect(s.keeper.requests.map((r) => ({ publicIp: formatIp(r.publicIp), previous: r.previousSubnet && formatCidr(r.previousSubnet), network: r.config.ipv4 && formatCidr(r.config.ipv4.network) }))).toEqual([
      { publicIp: "192.0.2.1", previous: "172.20.5.0/24", network: "172.20.0.0/16" },
    ]);
    expect(s.written).toEqual([{ network: cidr("172.20.0.0/16"), subnet: lease1.subnet, mtu: 1472, ipMasq: false }]);
    expect(s.paths.opened.map((p) => p.spec)).toEqual([
      { tunName: "flannel0", subnet: lease1.subnet, network: cidr("172.20.0.0/16"), mtu: 1472, bindAddress: ip("192.0.2.1"), port: 8285, sourceFilter: true },
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
    expect(agent.status()).toMatchObject({ lease: lease1, mtu: 1472, port: 8285, peers: [], health: { healthy: true } });
    await agent.stop();
  });

  it("retries every second until the config is there, and parses it with flanneld's defaults", async () => {
    const s = setup();
    const starting = startAgent(s.options);
    await s.clock.advanceAsync(0);
    expect(s.lines()).toEqual([
      "couldn't fetch network config: no network config at /atomic.io/network/config: write one first (flannel-ts config set '{\"Network\":\"10.5.0.0/16\"}') (retrying every second)",
    ]);
    expect(s.events.filter((e) => e.kind === "config-unavailable")).toHaveLength(1);
    await s.clock.advanceAsync(1000);
    expect(s.events.filter((e) => e.kind === "config-unavailable")).toHaveLength(2);
    (await s.registry.putConfig('{"Network":"172.20.0.0/16","Backend":{"Type":"UDP","Port":7890}}'))._unsafeUnwrap();
    await s.clock.advanceAsync(1000);
    const agent = (await starting)._unsafeUnwrap();
    expect(agent.status().port).toBe(7890);
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
      "vxlan",
      '{"Network":"172.20.0.0/16","Backend":{"Type":"vxlan"}}',
      1500,
      { kind: "agent", step: "config", message: 'the network config\'s Backend.Type is "vxlan"; flannel-ts agent carries the udp backend only: set "Backend": {"Type": "udp"} or leave Backend out' },
    ],
    [
      "IPv6 only",
      '{"EnableIPv4":false,"EnableIPv6":true,"IPv6Network":"fd00:20::/56"}',
      1500,
      { kind: "agent", step: "config", message: "the network config has IPv4 turned off; the udp backend carries IPv4 only: set Network and leave EnableIPv4 true" },
    ],
    ["an MTU too small", config, 90, { kind: "agent", step: "mtu" }],
  ];
  it.each(refusals)("refuses %s", async (_name, text, mtu, expected) => {
    const s = setup({ external: { ...external, mtu } });
    (await s.registry.putConfig(text))._unsafeUnwrap();
    expect((await startAgent(s.options))._unsafeUnwrapErr()).toMatchObject(expected);
    expect(s.keeper.requests).toEqual([]);
  });

  it("uses --ip-masq: subnet.env says so and the masquerading rules follow the subnet", async () => {
    const s = setup({ ipMasq: true, forwardRules: false, tunName: "flannel7", sourceFilter: false });
    const agent = await started(s);
    expect(s.written[0]?.ipMasq).toBe(true);
    expect(s.paths.opened[0]?.spec).toMatchObject({ tunName: "flannel7", sourceFilter: false });
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

  it("keeps the routes in step with the peers' leases and ignores its own", async () => {
    const s = setup();
    const agent = await started(s);
    const path = s.paths.opened[0]!;
    s.events.length = 0;
    s.peers.emit({ kind: "added", subnet: cidr("172.20.5.0/24"), publicIp: ip("192.0.2.1") });
    s.peers.emit({ kind: "added", subnet: cidr("172.20.9.0/24"), publicIp: ip("192.0.2.2") });
    s.peers.emit({ kind: "added", subnet: cidr("172.20.3.0/24"), publicIp: ip("192.0.2.3") });
    s.peers.emit({ kind: "updated", subnet: cidr("172.20.9.0/24"), publicIp: ip("192.0.2.2") });
    s.peers.emit({ kind: "updated", subnet: cidr("172.20.3.0/24"), publicIp: ip("192.0.2.4") });
    expect(Object.fromEntries(path.routes)).toEqual({ "172.20.9.0/24": "192.0.2.2", "172.20.3.0/24": "192.0.2.4" });
    expect(agent.status().peers.map((p) => formatCidr(p.subnet))).toEqual(["172.20.3.0/24", "172.20.9.0/24"]);
    s.peers.emit({ kind: "removed", subnet: cidr("172.20.9.0/24") });
    s.peers.emit({ kind: "removed", subnet: cidr("172.20.9.0/24") });
    s.peers.emit({ kind: "removed", subnet: cidr("172.20.5.0/24") });
    expect(Object.fromEntries(path.routes)).toEqual({ "172.20.3.0/24": "192.0.2.4" });
    expect(s.lines()).toEqual([
      "peer added: subnet 172.20.9.0/24 via PublicIP 192.0.2.2",
      "peer added: subnet 172.20.3.0/24 via PublicIP 192.0.2.3",
      "peer updated: subnet 172.20.3.0/24 now via PublicIP 192.0.2.4 (was 192.0.2.3)",
      "peer removed: subnet 172.20.9.0/24 (was via PublicIP 192.0.2.2)",
    ]);
    await agent.stop();
    expect(s.peers.closed).toBe(1);
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
    s.peers.emit({ kind: "added", subnet: cidr("172.20.9.0/24"), publicIp: ip("192.0.2.2") });
    s.peers.emit({ kind: "added", subnet: cidr("172.20.7.0/24"), publicIp: ip("192.0.2.3") });
    s.keeper.emit({ kind: "lost", lease: lease1, reason: "expired" });
    // The other host's lease on 172.20.7.0/24 is gone and this host gets it.
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
    expect(s.lines().slice(-7)).toEqual([
      "lease acquired again: subnet 172.20.7.0/24 (was 172.20.5.0/24) for PublicIP 192.0.2.1, expires 1970-01-02T00:00:00.000Z",
      "peer removed: subnet 172.20.7.0/24 (was via PublicIP 192.0.2.3)",
      "wrote subnet file /run/flannel/subnet.env: subnet 172.20.7.0/24, MTU 1472",
      "UDP engine stopped: flannel0 removed",
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
      docker: () => (++calls === 1 ? okAsync({ path: "/etc/docker/daemon.json", changed: false, restarted: false, warnings: ["hosts: tcp://0.0.0.0:2375 without TLS"] }) : errAsync(portError("dockerd did not come back"))),
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
});
