// The faults of issue 12, each run on a {@link FaultsSite} against a real
// etcd and measured; the integration tests run them at CI size and assert
// on the reports, bench/faults runs them at full size and prints them.
import { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import type { LeaseRecord } from "../../src/etcd/registry.ts";
import { formatIp } from "../../src/subnet/ip.ts";
import { type EtcdNode, startEtcd } from "../../src/testing/index.ts";
import {
  createFaultsSite,
  type FaultsAgent,
  type FaultsHost,
  type FaultsSite,
  type HostState,
  hostState,
  type LeaseTiming,
  linkKinds,
  type PingReport,
  startPing,
} from "./faults-site.ts";

/** etcd, a registry on it (from the test process, not through the proxies) and the site. */
export interface FaultsEnv {
  readonly etcd: EtcdNode;
  readonly registry: Etcd3Registry;
  readonly site: FaultsSite;
  teardown(): Promise<void>;
}

/** The overlay's network: the UDP backend (the agent's default). */
export const FAULTS_CONFIG = '{"Network":"10.5.0.0/16","Backend":{"Type":"udp"}}';
/** The same network on the VXLAN backend (VNI 1, flannel.1, UDP port 8472). */
export const FAULTS_VXLAN_CONFIG = '{"Network":"10.5.0.0/16","Backend":{"Type":"vxlan"}}';

export async function startFaultsEnv(prefix: string, config: string = FAULTS_CONFIG): Promise<FaultsEnv> {
  process.env["TESTCONTAINERS_RYUK_DISABLED"] ??= "true";
  const etcd = await startEtcd();
  const etcdPrefix = `/${prefix}/network`;
  const registry = new Etcd3Registry({ endpoints: [...etcd.endpoints], prefix: etcdPrefix });
  let site: FaultsSite | undefined;
  const teardown = async (): Promise<void> => {
    await site?.destroy();
    await registry.close();
    await etcd.stop();
  };
  try {
    (await registry.putConfig(config))._unsafeUnwrap();
    site = await createFaultsSite({ prefix, etcdPort: Number(new URL(etcd.endpoint).port), etcdPrefix });
    return { etcd, registry, site, teardown };
  } catch (e) {
    await teardown();
    throw e;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A lease as the tests compare it: a key recreated gets a new createRevision. */
export interface LeaseView {
  readonly key: string;
  readonly publicIp: string;
  readonly createRevision: number;
}

export async function leaseViews(registry: Etcd3Registry): Promise<LeaseView[]> {
  const listing = (await registry.listLeases())._unsafeUnwrap();
  return listing.leases.map((l: LeaseRecord) => ({ key: l.key, publicIp: formatIp(l.attrs.publicIp), createRevision: l.createRevision }));
}

/** The overlay address of a host: its subnet's .0, the TUN device's address. */
const overlayAddress = (subnet: string): string => subnet.replace(/\/\d+$/, "");

/** Starts an agent on each host and waits until each routes to the other. */
export async function startPair(site: FaultsSite, timing?: LeaseTiming, args: readonly string[] = []): Promise<[FaultsAgent, FaultsAgent]> {
  const options = { ...(timing === undefined ? {} : { timing }), args };
  const agents = site.hosts.map((h) => site.startAgent(h, options)) as [FaultsAgent, FaultsAgent];
  for (const agent of agents) await agent.waitFor(/running: subnet/, { timeoutMs: 60_000 });
  for (const [i, agent] of agents.entries()) await agent.waitFor(new RegExp(`peer added: subnet ${escape(agents[1 - i]!.subnet()!)} `));
  return agents;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
const count = (agent: FaultsAgent, pattern: RegExp, from = 0): number => agent.lines().filter((l) => l.at >= from && pattern.test(l.text)).length;

// ---------------------------------------------------------------------------
// 1. etcd outage longer than a renewal interval

export type OutageMode = "etcd-stopped" | "blackhole";

export interface OutageOptions {
  readonly mode: OutageMode;
  readonly outageMs: number;
  readonly pingIntervalMs?: number;
  /** How long to wait for both agents to renew after etcd returns. Default 60 s. */
  readonly recoveryTimeoutMs?: number;
}

export interface OutageReport {
  readonly mode: OutageMode;
  readonly outageMs: number;
  /** Pings a->b and b->a across the overlay, from before the outage until after both renewed. */
  readonly ping: { readonly ab: PingReport; readonly ba: PingReport };
  /** `lease renewal failed` lines logged during the outage, per agent. */
  readonly renewFailures: readonly [number, number];
  /** `lease renewed` lines logged during the outage (after its first second), per agent: 0 when the outage was real. */
  readonly renewedDuring: readonly [number, number];
  /** `lease lost` and `peer removed` lines, per agent, during the whole run. */
  readonly leasesLost: readonly [number, number];
  readonly peersRemoved: readonly [number, number];
  /** /healthz answers during the outage: samples and non-200s, per agent. */
  readonly healthz: readonly [{ readonly samples: number; readonly bad: number }, { readonly samples: number; readonly bad: number }];
  readonly alive: readonly [boolean, boolean];
  /** Time from etcd's return until each agent logged `lease renewed`. */
  readonly renewedAfterMs: readonly [number, number];
  readonly leasesBefore: readonly LeaseView[];
  readonly leasesAfter: readonly LeaseView[];
  readonly routesUnchanged: boolean;
}

/**
 * Cuts etcd off from both running agents (etcd stopped, or both proxies
 * black-holed) for `outageMs` while each pings the other across the
 * overlay, then restores it and waits until both agents renewed.
 */
export async function etcdOutage(env: FaultsEnv, agents: readonly [FaultsAgent, FaultsAgent], options: OutageOptions): Promise<OutageReport> {
  const { site, etcd, registry } = env;
  const [a, b] = agents;
  const interval = options.pingIntervalMs ?? 100;
  const routesBefore = await Promise.all(site.hosts.map((h) => hostState(site, h).then((s) => s.routes)));
  const leasesBefore = await leaseViews(registry);
  const started = Date.now();
  const ab = startPing(site.underlay, a.host.ns, overlayAddress(b.subnet()!), interval);
  const ba = startPing(site.underlay, b.host.ns, overlayAddress(a.subnet()!), interval);
  await sleep(1000);
  const cutAt = Date.now();
  if (options.mode === "etcd-stopped") await etcd.halt();
  else await Promise.all(site.hosts.map((h) => h.proxy.set("blackhole")));
  const healthz = [
    { samples: 0, bad: 0 },
    { samples: 0, bad: 0 },
  ];
  while (Date.now() - cutAt < options.outageMs) {
    const answers = await Promise.all(agents.map((x) => x.healthz()));
    answers.forEach((status, i) => {
      healthz[i]!.samples++;
      if (status !== 200) healthz[i]!.bad++;
    });
    await sleep(Math.min(500, Math.max(0, options.outageMs - (Date.now() - cutAt))));
  }
  if (options.mode === "etcd-stopped") await etcd.resume();
  else await Promise.all(site.hosts.map((h) => h.proxy.set("pass")));
  const restoredAt = Date.now();
  const renewFailures = agents.map((x) => count(x, /^lease renewal failed/, cutAt)) as [number, number];
  // A renewal already on the wire at the cut may still land in its first second.
  const renewedDuring = agents.map((x) => x.lines().filter((l) => l.at >= cutAt + 1000 && l.at < restoredAt && /^lease renewed/.test(l.text)).length) as [number, number];
  const renewed = await Promise.all(
    agents.map(async (x) => {
      const line = await waitForLine(x, /^lease renewed/, restoredAt, options.recoveryTimeoutMs ?? 60_000);
      return line - restoredAt;
    }),
  );
  await sleep(1000);
  const [pingAb, pingBa] = await Promise.all([ab.stop(), ba.stop()]);
  const routesAfter = await Promise.all(site.hosts.map((h) => hostState(site, h).then((s) => s.routes)));
  return {
    mode: options.mode,
    outageMs: options.outageMs,
    ping: { ab: pingAb, ba: pingBa },
    renewFailures,
    renewedDuring,
    leasesLost: agents.map((x) => count(x, /^lease lost/, started)) as [number, number],
    peersRemoved: agents.map((x) => count(x, /^peer removed/, started)) as [number, number],
    healthz: healthz as [{ samples: number; bad: number }, { samples: number; bad: number }],
    alive: agents.map((x) => x.running) as [boolean, boolean],
    renewedAfterMs: renewed as [number, number],
    leasesBefore,
    leasesAfter: await leaseViews(registry),
    routesUnchanged: routesBefore.every((r, i) => r === routesAfter[i]),
  };
}

/** Waits for a log line at or after `from` (ms) matching `pattern`; returns its time. */
async function waitForLine(agent: FaultsAgent, pattern: RegExp, from: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = agent.lines().find((l) => l.at >= from && pattern.test(l.text));
    if (line !== undefined) return line.at;
    if (!agent.running) throw new Error(`the agent in ${agent.host.ns} exited before logging ${pattern}:\n${agent.log()}`);
    if (Date.now() > deadline) throw new Error(`the agent in ${agent.host.ns} did not log ${pattern} within ${timeoutMs} ms:\n${agent.log()}`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------
// 2. A host cut off from etcd for longer than its lease

export interface PartitionOptions {
  readonly timing: LeaseTiming;
  /** How long host b is cut off; longer than the TTL. */
  readonly cutMs: number;
  readonly pingIntervalMs?: number;
}

export interface PartitionReport {
  readonly subnetBefore: string;
  readonly subnetAfter: string;
  /** From the cut until host a logged `peer removed` for host b. */
  readonly removedAfterMs: number;
  /** From b's last renewal before the cut until a removed the route: the lease's remaining life plus the watch's delay. */
  readonly removedAfterLastRenewalMs: number;
  /** From the end of the cut until b logged its lease again, a logged the peer again, and a ping answer came back. */
  readonly reacquiredAfterMs: number;
  readonly readdedAfterMs: number;
  readonly trafficAfterMs: number;
  /** Whether b got the same subnet back (`lease acquired again: ... (the same)`). */
  readonly sameSubnet: boolean;
  /** b's renewal failures during the cut. */
  readonly renewFailures: number;
  /** Ping answers a->b while b was known to be gone (expected none) and ICMP net unreachable answers from a's engine. */
  readonly repliesWhileRemoved: number;
  readonly unreachable: number;
  /** Leases for b's PublicIP in etcd at the end. */
  readonly leasesForB: number;
  readonly alive: readonly [boolean, boolean];
}

/**
 * Black-holes host b's way to etcd for `cutMs` (longer than its TTL) while
 * a pings b: b's lease expires, a drops the route, and when the cut heals
 * b leases again and a routes to it again.
 */
export async function hostCutOff(env: FaultsEnv, agents: readonly [FaultsAgent, FaultsAgent], options: PartitionOptions): Promise<PartitionReport> {
  const { site, registry } = env;
  const [a, b] = agents;
  const subnetBefore = b.subnet()!;
  const ping = startPing(site.underlay, a.host.ns, overlayAddress(subnetBefore), options.pingIntervalMs ?? 100);
  // Start right after a renewal, so that the lease's remaining life at the cut is known.
  const renewal = await b.waitFor(/^lease renewed/, { after: b.log().length, timeoutMs: options.timing.ttlSeconds * 1000 });
  const cutAt = Date.now();
  await b.host.proxy.set("blackhole");
  const removed = await waitForLine(a, new RegExp(`^peer removed: subnet ${escape(subnetBefore)} `), cutAt, options.timing.ttlSeconds * 1000 + 30_000);
  const remaining = options.cutMs - (Date.now() - cutAt);
  if (remaining > 0) await sleep(remaining);
  const repliesWhileRemoved = [...ping.replies().values()].filter((at) => at > removed + 200).length;
  const restoredAt = Date.now();
  await b.host.proxy.set("pass");
  const renewFailures = count(b, /^lease renewal failed/, cutAt);
  const reacquired = await waitForLine(b, /^lease acquired again/, restoredAt, 60_000);
  const subnetAfter = /subnet (\S+)/.exec(b.lines().find((l) => l.at === reacquired && /^lease acquired again/.test(l.text))!.text)![1]!;
  const readded = await waitForLine(a, new RegExp(`^peer added: subnet ${escape(subnetAfter)} `), restoredAt, 60_000);
  let traffic: number | undefined;
  for (const deadline = Date.now() + 30_000; traffic === undefined && Date.now() < deadline; await sleep(100)) {
    traffic = [...ping.replies().values()].filter((at) => at > restoredAt).sort((x, y) => x - y)[0];
  }
  const report = await ping.stop();
  const sameSubnet = b.lines().some((l) => l.at === reacquired && /\(the same\)/.test(l.text));
  return {
    subnetBefore,
    subnetAfter,
    removedAfterMs: removed - cutAt,
    removedAfterLastRenewalMs: removed - renewal.at,
    reacquiredAfterMs: reacquired - restoredAt,
    readdedAfterMs: readded - restoredAt,
    trafficAfterMs: traffic === undefined ? Number.POSITIVE_INFINITY : traffic - restoredAt,
    sameSubnet,
    renewFailures,
    repliesWhileRemoved,
    unreachable: report.unreachable,
    leasesForB: (await leaseViews(registry)).filter((l) => l.publicIp === b.host.publicIp).length,
    alive: [a.running, b.running],
  };
}

// ---------------------------------------------------------------------------
// 3. Crash loops

export interface CrashLoopOptions {
  readonly rounds: number;
  /** More agent flags. */
  readonly args?: readonly string[];
  /** Ping the peer's overlay address once per round. Default true. */
  readonly pingEachRound?: boolean;
}

export interface CrashLoopRound {
  readonly subnet: string;
  /** From the start of the process to `running: subnet ...`. */
  readonly runningAfterMs: number;
  /** Links in the namespace while it ran (name:kind). */
  readonly links: readonly string[];
  /** flanneld's iptables rules in the namespace while it ran (a restart must not add them twice). */
  readonly iptablesRules: number;
  readonly leasesForHost: number;
  readonly pingOk: boolean;
  /** The VtepMAC in the host's lease, and the MAC of its flannel.1 (both undefined on the UDP backend). */
  readonly vtepMac: string | undefined;
  readonly deviceMac: string | undefined;
  /** Permanent neighbour entries and remote-VTEP forwarding entries in the namespace (one each per VXLAN peer). */
  readonly neighbours: number;
  readonly fdb: number;
}

export interface CrashLoopReport {
  readonly rounds: readonly CrashLoopRound[];
  /** After the final clean stop, compared with the state before the first start. */
  readonly before: HostState;
  readonly after: HostState;
  /** `peer removed` lines in the peer's log (expected none: the lease stays while the agent crashes). */
  readonly peerRemoved: number;
  readonly leasesAtEnd: readonly LeaseView[];
  /** etcd lease objects (`etcdctl lease list`) before the loop and after it. */
  readonly etcdLeasesBefore: number;
  readonly etcdLeasesAfter: number;
  readonly finalExit: number | null;
}

async function etcdLeaseCount(etcd: EtcdNode): Promise<number> {
  const out = await etcd.etcdctl(["lease", "list"]);
  return out.output.split("\n").filter((l) => /^[0-9a-f]+$/.test(l.trim())).length;
}

/**
 * Starts the agent of host a (the built CLI), SIGKILLs it once it runs, and
 * does that `rounds` times, with the agent of host b running throughout;
 * then starts it once more and stops it with SIGTERM.
 */
export async function crashLoop(env: FaultsEnv, options: CrashLoopOptions): Promise<CrashLoopReport> {
  const { site, registry, etcd } = env;
  const [hostA, hostB] = site.hosts;
  const before = await hostState(site, hostA);
  const peer = site.startAgent(hostB, { args: options.args ?? [] });
  await peer.waitFor(/running: subnet/, { timeoutMs: 60_000 });
  const etcdLeasesBefore = await etcdLeaseCount(etcd);
  const rounds: CrashLoopRound[] = [];
  const startedAt = Date.now();
  const once = async (): Promise<{ agent: FaultsAgent; round: CrashLoopRound }> => {
    await waitForNoTun(site, hostA);
    const t = Date.now();
    const agent = site.startAgent(hostA, { args: options.args ?? [] });
    await agent.waitFor(/running: subnet/, { timeoutMs: 60_000 });
    const runningAfterMs = Date.now() - t;
    const subnet = agent.subnet()!;
    await agent.waitFor(new RegExp(`peer added: subnet ${escape(peer.subnet()!)} `));
    const state = await hostState(site, hostA);
    const own = (await registry.listLeases())._unsafeUnwrap().leases.filter((l) => formatIp(l.attrs.publicIp) === hostA.publicIp);
    const leasesForHost = own.length;
    const backendData = own[0]?.attrs.backendData;
    const vtepMac = backendData === undefined ? undefined : (JSON.parse(backendData) as { VtepMAC?: string }).VtepMAC;
    const device = state.links.find((l) => (l as { ifname: string }).ifname === "flannel.1") as { address?: string } | undefined;
    let pingOk = true;
    if (options.pingEachRound ?? true) {
      // Any answer of two: the first may race the route reaching the engine's threads.
      const out = await site.run(hostA, "ping", ["-n", "-c", "2", "-i", "0.2", "-W", "2", overlayAddress(peer.subnet()!)]);
      pingOk = out.code === 0;
    }
    const iptablesRules = state.iptables.split("\n").filter((l) => l.startsWith("-A") && l.includes("flanneld")).length;
    const lines = (text: string): number => text.split("\n").filter((l) => l.trim() !== "").length;
    return {
      agent,
      round: {
        subnet,
        runningAfterMs,
        links: linkKinds(state),
        iptablesRules,
        leasesForHost,
        pingOk,
        vtepMac,
        deviceMac: device?.address,
        neighbours: lines(state.neighbours),
        fdb: lines(state.fdb),
      },
    };
  };
  for (let i = 0; i < options.rounds; i++) {
    const { agent, round } = await once();
    rounds.push(round);
    await agent.kill("SIGKILL");
  }
  const last = await once();
  rounds.push(last.round);
  const finalExit = await last.agent.kill("SIGTERM");
  const after = await hostState(site, hostA);
  const leasesAtEnd = await leaseViews(registry);
  const peerRemoved = count(peer, /^peer removed/, startedAt);
  await peer.kill("SIGTERM");
  return { rounds, before, after, peerRemoved, leasesAtEnd, etcdLeasesBefore, etcdLeasesAfter: await etcdLeaseCount(etcd), finalExit };
}

// A SIGKILLed process's TUN device goes when the kernel closes its last
// descriptor, a moment after the process is reaped.
async function waitForNoTun(site: FaultsSite, host: FaultsHost): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const links = JSON.parse(await site.must(host, "ip", ["-d", "-j", "link", "show"])) as { linkinfo?: { info_kind?: string } }[];
    if (!links.some((l) => l.linkinfo?.info_kind === "tun")) return;
    await sleep(50);
  }
  throw new Error(`a TUN device is still in ${host.ns} 5 s after its agent ended`);
}
