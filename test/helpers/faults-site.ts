// The site of the fault tests and benchmarks: two hosts, each a network
// namespace (host a at 192.0.2.1, host b at 192.0.2.2, joined by a veth
// pair), running real agents with TUN devices and iptables of their own.
// Each host reaches etcd (a container of the test kit, mapped on 127.0.0.1)
// through its own TCP proxy in the test process, over a veth link to the
// root namespace in 198.19.0.0/16 (the benchmarking range), so that a test
// can cut one host off, or both, while etcd runs. The agents' /healthz
// answers on the same link.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CommandOutput, createUnderlay, must, run, type Started, type Underlay, uniqueTag } from "./netns.ts";
import { type FaultProxy, startFaultProxy } from "./tcp-fault-proxy.ts";

/** The built CLI (`npm run build`): the crash loops run the real command. */
export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const TIMED_AGENT = fileURLToPath(new URL("./faults-agent.ts", import.meta.url));

/** The lease manager's timing for {@link FaultsSite.startAgent} (see `NodeAgentOptions.leaseTiming`). */
export interface LeaseTiming {
  readonly ttlSeconds: number;
  readonly renewMarginSeconds: number;
  readonly retryIntervalSeconds: number;
}

export interface FaultsHost {
  readonly name: "a" | "b";
  readonly ns: string;
  /** The underlay interface inside the namespace (the agent's --iface). */
  readonly device: string;
  readonly publicIp: string;
  /** The namespace's address on its link to the test process, where /healthz answers. */
  readonly linkAddress: string;
  /** The way to etcd. */
  readonly proxy: FaultProxy;
  readonly subnetFile: string;
}

export interface AgentLogLine {
  /** Milliseconds since the epoch, from the line's timestamp. */
  readonly at: number;
  readonly level: string;
  readonly text: string;
}

export interface StartAgentOptions {
  /** Shortened lease timing: runs test/helpers/faults-agent.ts from the sources. Default: the built CLI with flanneld's timing. */
  readonly timing?: LeaseTiming;
  /** More agent flags, e.g. `["--ip-masq"]`. */
  readonly args?: readonly string[];
}

export interface FaultsAgent {
  readonly host: FaultsHost;
  readonly process: Started;
  /** The agent's log so far (stderr). */
  log(): string;
  /** The log as lines with their times. */
  lines(): AgentLogLine[];
  /** Waits for a log line matching `pattern` in the log after `after` characters; returns the line. */
  waitFor(pattern: RegExp, options?: { readonly after?: number; readonly timeoutMs?: number }): Promise<AgentLogLine>;
  /** The subnet of the last `running: subnet ...` line. */
  subnet(): string | undefined;
  /** GET /healthz: the status code, or undefined when nothing answers within a second. */
  healthz(): Promise<number | undefined>;
  /** Signals the agent and waits for it to exit; its exit code (null after a signal). */
  kill(signal: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  readonly running: boolean;
}

export interface FaultsSite {
  readonly hosts: readonly [FaultsHost, FaultsHost];
  readonly underlay: Underlay;
  /** The etcd prefix the agents use. */
  readonly etcdPrefix: string;
  /** The /healthz port of every agent. */
  readonly healthzPort: number;
  startAgent(host: FaultsHost, options?: StartAgentOptions): FaultsAgent;
  /** Runs a command in a host's namespace. */
  run(host: FaultsHost, command: string, args: readonly string[], timeoutMs?: number): Promise<CommandOutput>;
  must(host: FaultsHost, command: string, args: readonly string[], timeoutMs?: number): Promise<string>;
  /** Stops the agents and proxies and deletes the namespaces. Safe to call twice. */
  destroy(): Promise<void>;
}

export interface FaultsSiteOptions {
  /** Names of namespaces and devices start with it: 2 or 3 letters. */
  readonly prefix: string;
  /** etcd's client port on 127.0.0.1. */
  readonly etcdPort: number;
  readonly etcdPrefix: string;
}

const LINE = /^(\d{4}-\d\d-\d\dT[\d:.]+Z) (\w+) (.*)$/;
const HEALTHZ_PORT = 8471;

export async function createFaultsSite(options: FaultsSiteOptions): Promise<FaultsSite> {
  const tag = uniqueTag();
  const underlay = await createUnderlay(options.prefix, tag);
  const dir = mkdtempSync(join(tmpdir(), `flannel-ts-${options.prefix}-`));
  const proxies: FaultProxy[] = [];
  const agents: FaultsAgent[] = [];
  // A /30 per host in 198.19.<n>.0/24; n from the tag, so that two sites differ.
  const octet = Number.parseInt(tag.slice(0, 2), 16);
  const destroy = async (): Promise<void> => {
    await Promise.all(agents.filter((a) => a.running).map((a) => a.kill("SIGKILL")));
    await Promise.all(proxies.map((p) => p.close()));
    await underlay.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const hosts: FaultsHost[] = [];
    for (const [i, name] of (["a", "b"] as const).entries()) {
      const ns = name === "a" ? underlay.a : underlay.b;
      const rootEnd = `${options.prefix}e${name}${tag}`.slice(0, 15);
      const rootAddress = `198.19.${octet}.${4 * i + 1}`;
      const linkAddress = `198.19.${octet}.${4 * i + 2}`;
      await must("ip", ["link", "add", rootEnd, "type", "veth", "peer", "name", "etcd0", "netns", ns]);
      await must("ip", ["addr", "add", `${rootAddress}/30`, "dev", rootEnd]);
      await must("ip", ["link", "set", rootEnd, "up"]);
      await must("ip", ["-n", ns, "addr", "add", `${linkAddress}/30`, "dev", "etcd0"]);
      await must("ip", ["-n", ns, "link", "set", "etcd0", "up"]);
      const proxy = await startFaultProxy({ host: rootAddress, targetHost: "127.0.0.1", targetPort: options.etcdPort });
      proxies.push(proxy);
      hosts.push({
        name,
        ns,
        device: name === "a" ? underlay.vethA : underlay.vethB,
        publicIp: `192.0.2.${i + 1}`,
        linkAddress,
        proxy,
        subnetFile: join(dir, name, "subnet.env"),
      });
    }
    // IPv6 link-local addresses (and their local routes) settle once duplicate
    // address detection is done: wait, so that later states compare equal.
    for (const host of hosts) {
      for (let i = 0; (await must("ip", ["-n", host.ns, "-6", "addr", "show", "tentative"])).trim() !== ""; i++) {
        if (i > 100) throw new Error(`IPv6 addresses in ${host.ns} are still tentative after 5 s`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const site: FaultsSite = {
      hosts: [hosts[0]!, hosts[1]!],
      underlay,
      etcdPrefix: options.etcdPrefix,
      healthzPort: HEALTHZ_PORT,
      startAgent: (host, startOptions = {}) => {
        const flags = [
          "--etcd-endpoints",
          `http://${host.proxy.host}:${host.proxy.port}`,
          "--etcd-prefix",
          options.etcdPrefix,
          "--iface",
          host.device,
          "--subnet-file",
          host.subnetFile,
          "--healthz-port",
          String(HEALTHZ_PORT),
          ...(startOptions.args ?? []),
        ];
        const process = startOptions.timing === undefined
          ? underlay.start(host.ns, "node", [CLI, "agent", ...flags])
          : underlay.start(host.ns, "env", [`FAULTS_LEASE_TIMING=${JSON.stringify(startOptions.timing)}`, "node", "--import", "tsx", TIMED_AGENT, ...flags]);
        const agent = agentOf(host, process);
        agents.push(agent);
        return agent;
      },
      run: (host, command, args, timeoutMs) => run("ip", ["netns", "exec", host.ns, command, ...args], timeoutMs),
      must: (host, command, args, timeoutMs) => must("ip", ["netns", "exec", host.ns, command, ...args], timeoutMs),
      destroy,
    };
    return site;
  } catch (e) {
    await destroy();
    throw e;
  }
}

function agentOf(host: FaultsHost, process: Started): FaultsAgent {
  let running = true;
  void process.exited.then(() => (running = false));
  const lines = (text: string): AgentLogLine[] =>
    text.split("\n").flatMap((l) => {
      const m = LINE.exec(l);
      return m === null ? [] : [{ at: Date.parse(m[1]!), level: m[2]!, text: m[3]! }];
    });
  return {
    host,
    process,
    get running() {
      return running;
    },
    log: () => process.stderr(),
    lines: () => lines(process.stderr()),
    async waitFor(pattern, waitOptions = {}) {
      const deadline = Date.now() + (waitOptions.timeoutMs ?? 30_000);
      for (;;) {
        const found = lines(process.stderr().slice(waitOptions.after ?? 0)).find((l) => pattern.test(l.text));
        if (found !== undefined) return found;
        if (!running) throw new Error(`the agent in ${host.ns} exited before logging ${pattern}:\n${process.stderr()}`);
        if (Date.now() > deadline) throw new Error(`the agent in ${host.ns} did not log ${pattern} in time:\n${process.stderr()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    subnet: () => [...process.stderr().matchAll(/running: subnet (\S+)/g)].at(-1)?.[1],
    async healthz() {
      try {
        const res = await fetch(`http://${host.linkAddress}:${HEALTHZ_PORT}/healthz`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        return res.status;
      } catch {
        return undefined;
      }
    },
    async kill(signal, timeoutMs = 20_000) {
      process.signal(signal);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the agent in ${host.ns} did not exit within ${timeoutMs} ms of ${signal}:\n${process.stderr()}`)), timeoutMs);
      });
      try {
        return await Promise.race([process.exited, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** What a continuous ping saw. */
export interface PingReport {
  readonly transmitted: number;
  /** Sequence numbers answered, with the time of the answer (ms since the epoch). */
  readonly replies: ReadonlyMap<number, number>;
  /** Requests sent at least a second before the end that got no answer. */
  readonly lost: readonly number[];
  /** "Destination Net Unreachable" answers (the UDP engine's, when it has no route). */
  readonly unreachable: number;
}

export interface PingMonitor {
  /** Replies so far. */
  replies(): ReadonlyMap<number, number>;
  /** Ends the ping (SIGINT) and reports. */
  stop(): Promise<PingReport>;
}

/**
 * The kernel's ping from a namespace, every `intervalMs`, until stopped.
 *
 * @param underlay the site's namespaces
 * @param ns where ping runs
 * @param target the address pinged
 * @param intervalMs time between requests
 */
export function startPing(underlay: Underlay, ns: string, target: string, intervalMs = 100): PingMonitor {
  const ping = underlay.start(ns, "ping", ["-n", "-D", "-O", "-i", String(intervalMs / 1000), "-W", "1", target]);
  const parse = (): { replies: Map<number, number>; unreachable: number; transmitted: number | undefined } => {
    const replies = new Map<number, number>();
    let unreachable = 0;
    let transmitted: number | undefined;
    for (const line of ping.stdout().split("\n")) {
      const reply = /^\[([\d.]+)\] \d+ bytes from .*icmp_seq=(\d+)/.exec(line);
      if (reply !== null) replies.set(Number(reply[2]), Math.round(Number(reply[1]) * 1000));
      if (/Destination Net Unreachable/.test(line)) unreachable++;
      const summary = /^(\d+) packets transmitted/.exec(line);
      if (summary !== null) transmitted = Number(summary[1]);
    }
    return { replies, unreachable, transmitted };
  };
  return {
    replies: () => parse().replies,
    async stop() {
      ping.signal("SIGINT");
      await ping.exited;
      const { replies, unreachable, transmitted = 0 } = parse();
      const settled = transmitted - Math.ceil(1000 / intervalMs);
      const lost: number[] = [];
      for (let seq = 1; seq <= settled; seq++) if (!replies.has(seq)) lost.push(seq);
      return { transmitted, replies, lost, unreachable };
    },
  };
}

/** What a namespace holds that an agent could leave behind: iptables, links, routes and VXLAN entries, normalised for comparison. */
export interface HostState {
  readonly iptables: string;
  readonly ip6tables: string;
  readonly links: readonly unknown[];
  readonly routes: string;
  /** Permanent neighbour entries (the VXLAN backend's; the kernel's own ARP entries come and go). */
  readonly neighbours: string;
  /** Forwarding entries with a remote VTEP (`dst`), as the VXLAN backend makes; the veths' own multicast entries are left out. */
  readonly fdb: string;
}

const BUILT_IN_CHAINS = new Set(["INPUT", "FORWARD", "OUTPUT", "PREROUTING", "POSTROUTING"]);

// The rules and chains of an iptables-save dump. Counters and comments
// change on their own, and a table the kernel set up on its first use, with
// only its built-in chains accepting, is the same as no table at all.
function tableRules(dump: string): string {
  const kept: string[] = [];
  let table = "";
  let lines: string[] = [];
  for (const line of dump.split("\n")) {
    if (line.startsWith("*")) {
      table = line;
      lines = [];
    } else if (line === "COMMIT") {
      if (lines.length > 0) kept.push(table, ...lines);
    } else if (line.startsWith(":")) {
      const [chain = "", policy = ""] = line.slice(1).split(" ");
      if (!BUILT_IN_CHAINS.has(chain) || policy !== "ACCEPT") lines.push(`:${chain} ${policy}`);
    } else if (line.startsWith("-")) {
      lines.push(line);
    }
  }
  return kept.join("\n");
}

/** Reads {@link HostState} in a host's namespace. */
export async function hostState(site: FaultsSite, host: FaultsHost): Promise<HostState> {
  const links = JSON.parse(await site.must(host, "ip", ["-d", "-j", "link", "show"])) as unknown[];
  return {
    iptables: tableRules(await site.must(host, "iptables-save", [])),
    ip6tables: tableRules(await site.must(host, "ip6tables-save", [])),
    links,
    routes: [
      await site.must(host, "ip", ["-4", "route", "show", "table", "all"]),
      await site.must(host, "ip", ["-6", "route", "show", "table", "all"]),
    ].join(""),
    neighbours: await site.must(host, "ip", ["neigh", "show", "nud", "permanent"]),
    fdb: (await site.must(host, "bridge", ["fdb", "show"]))
      .split("\n")
      .filter((l) => / dst /.test(l))
      .join("\n"),
  };
}

/** The names and kinds of a namespace's links. */
export function linkKinds(state: HostState): string[] {
  return state.links.map((l) => {
    const link = l as { ifname: string; linkinfo?: { info_kind?: string } };
    return `${link.ifname}:${link.linkinfo?.info_kind ?? "-"}`;
  });
}
