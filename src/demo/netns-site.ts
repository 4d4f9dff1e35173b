/**
 * The demo's site as root (`flannel-ts demo --netns`): each host is a
 * network namespace joined to the other by a veth pair with TEST-NET
 * addresses (192.0.2.1 and 192.0.2.2), runs the UDP engine as a
 * `flannel-ts udp` process with a real TUN device, and gets a docker0
 * bridge with the lease's bip and mtu and a container namespace behind it;
 * the kernel's `ping` runs in the containers. Everything is removed at the
 * end (the namespaces take their devices with them).
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { err, ok, type Result, ResultAsync } from "neverthrow";
import type { UdpCounters } from "../backend/udp/udp-counters.ts";
import type { CommandRunner } from "../core/command-runner.ts";
import { DEFAULT_UDP_PORT } from "../core/defaults.ts";
import type { BackendSet, ExternalInterface } from "../backend/backend.ts";
import type { OpenRtnetlinkPort } from "../backend/rtnetlink-port.ts";
import type { UdpEnginePort, UdpEngineSpec } from "../backend/udp/udp-backend.ts";
import type { DockerTarget, PortError } from "../flannel/agent-ports.ts";
import { bridgeAddress } from "../subnet/bridge-address.ts";
import { type Cidr4, formatCidr } from "../subnet/cidr.ts";
import { formatIp, type Ip4, ip4, parseIp4 } from "../subnet/ip.ts";
import { nodeKernelBackends } from "../node/kernel-backends.ts";
import { netnsRtnetlinkOpener } from "./_netns-rtnetlink.ts";
import { type DemoDockerStep, demoDockerStep } from "./demo-docker-step.ts";
import { parsePingOutput } from "./parse-ping-output.ts";
import type { PingResult } from "./pinger.ts";
import type { DemoBackend, DemoPingRequest, DemoSite, DemoSiteError, DemoSiteHost, OpenDemoSite } from "./run-demo.ts";

/** The MTU of the veth pair between the hosts (Ethernet's): FLANNEL_MTU is 1472. */
export const NETNS_UNDERLAY_MTU = 1500;

/** Options for {@link netnsSite}. */
export interface NetnsSiteOptions {
  /** Runs `ip` (iproute2). */
  readonly run: CommandRunner;
  /** The command line that runs `flannel-ts` (e.g. `[process.execPath, "dist/cli/main.js"]`); `udp ...` is appended. */
  readonly flannelTs: readonly string[];
  /** The daemon.json each host starts from. */
  readonly seedDaemonJson: string;
  /** Names of namespaces and devices start with it: at most 8 characters, e.g. `ftd4711`. */
  readonly prefix: string;
  /** How long an engine may take to come up, in milliseconds. Default 15,000. */
  readonly startTimeoutMs?: number;
  /**
   * The backend: udp (a `flannel-ts udp` process per host), or the
   * kernel's vxlan or host-gw, programmed by the agent over an rtnetlink
   * socket in the host's namespace. Default udp.
   */
  readonly backend?: DemoBackend;
  /** Opens the rtnetlink socket of a host's kernel backend, given the host's namespace. Default: a socket made inside that namespace (setns). */
  readonly openRtnetlink?: (namespace: string) => OpenRtnetlinkPort;
}

/** The VXLAN port flannel uses (the kernel's own default is 0: flanneld passes 8472). */
const VXLAN_PORT = 8472;

const DESCRIPTIONS: Readonly<Record<DemoBackend, string>> = {
  udp: "network namespaces with TEST-NET addresses, TUN devices and the kernel's ping (as root); everything is removed at the end",
  vxlan: "network namespaces with TEST-NET addresses, the kernel's VXLAN devices and the kernel's ping (as root); everything is removed at the end",
  "host-gw": "network namespaces with TEST-NET addresses, the kernel's routes via the other host (host-gw) and the kernel's ping (as root); everything is removed at the end",
};

const PUBLIC_IPS: readonly [Ip4, Ip4] = [parseIp4("192.0.2.1")._unsafeUnwrap(), parseIp4("192.0.2.2")._unsafeUnwrap()];

/** The namespaces a site with this prefix creates: two hosts and two containers. */
export function netnsNames(prefix: string): { readonly hosts: readonly [string, string]; readonly containers: readonly [string, string] } {
  return { hosts: [`${prefix}-node1`, `${prefix}-node2`], containers: [`${prefix}-c1`, `${prefix}-c2`] };
}

/**
 * Deletes the namespaces a site with this prefix may have left (their
 * devices go with them), synchronously: for a signal handler, when the
 * demo is interrupted.
 *
 * @param prefix the site's prefix
 */
export function removeNetnsSync(prefix: string): void {
  const names = netnsNames(prefix);
  for (const ns of [...names.containers, ...names.hosts]) spawnSync("ip", ["netns", "del", ns], { stdio: "ignore", timeout: 5000 });
}

/** The opener of the namespaces site, with a way to tear it down from a signal handler. */
export type NetnsSite = OpenDemoSite & {
  /** Stops the engines and deletes the namespaces, whatever state the demo is in. Idempotent. */
  readonly abort: () => Promise<void>;
};

/**
 * The namespaces site.
 *
 * @param options the command runner, how to run `flannel-ts udp`, the seed's daemon.json, the name prefix
 * @returns the opener for {@link runDemo}, with `abort` for signal handlers
 * @example
 * ```ts
 * import { netnsSite } from "./netns-site.ts";
 * import { runCommand } from "../node/run-command.ts";
 * import { SEED_DAEMON_JSON } from "./seed-daemon-json.ts";
 * const site = netnsSite({ run: runCommand, flannelTs: [process.execPath, "dist/cli/main.js"], seedDaemonJson: SEED_DAEMON_JSON, prefix: "ftd1" });
 * ```
 */
export function netnsSite(options: NetnsSiteOptions): NetnsSite {
  if (!/^[a-z][a-z0-9]{0,7}$/.test(options.prefix)) throw new RangeError(`netnsSite: prefix "${options.prefix}" is not 1 to 8 lower-case letters and digits`);
  let opened: DemoSite | undefined;
  const opener = (): ResultAsync<DemoSite, DemoSiteError> =>
    new ResultAsync(
      open(options, (site) => {
        opened = site;
      }),
    );
  const abort = async (): Promise<void> => {
    if (opened !== undefined) await opened.close();
    else removeNetnsSync(options.prefix);
  };
  return Object.assign(opener, { abort });
}

async function open(options: NetnsSiteOptions, created: (site: DemoSite) => void): Promise<Result<DemoSite, DemoSiteError>> {
  const { prefix, run } = options;
  const names = netnsNames(prefix);
  const ip = async (args: readonly string[]): Promise<Result<void, DemoSiteError>> => {
    const r = await run("ip", args);
    if (r.isErr()) return err({ kind: "demo-site", message: `${r.error.message} (the --netns demo needs iproute2)` });
    if (r.value.code !== 0) return err({ kind: "demo-site", message: `ip ${args.join(" ")} failed: ${r.value.stderr.trim()}` });
    return ok(undefined);
  };
  const steps: (readonly string[])[] = [
    ...[...names.hosts, ...names.containers].map((ns) => ["netns", "add", ns]),
    ["link", "add", `${prefix}u1`, "netns", names.hosts[0], "type", "veth", "peer", "name", `${prefix}u2`, "netns", names.hosts[1]],
  ];
  for (const [i, host] of names.hosts.entries()) {
    const dev = `${prefix}u${i + 1}`;
    steps.push(
      ["-n", host, "link", "set", "lo", "up"],
      ["-n", host, "addr", "add", `${formatIp(PUBLIC_IPS[i]!)}/24`, "dev", dev],
      ["-n", host, "link", "set", dev, "mtu", String(NETNS_UNDERLAY_MTU), "up"],
    );
  }
  const hosts = [new NetnsHost("node1", 0, names.hosts[0], names.containers[0], options, ip), new NetnsHost("node2", 1, names.hosts[1], names.containers[1], options, ip)] as const;
  let closing: Promise<void> | undefined;
  const site: DemoSite = {
    description: DESCRIPTIONS[options.backend ?? "udp"],
    port: { udp: DEFAULT_UDP_PORT, vxlan: VXLAN_PORT, "host-gw": 0 }[options.backend ?? "udp"],
    backend: options.backend ?? "udp",
    hosts,
    close: () => (closing ??= (async () => {
      await Promise.all(hosts.map((h) => h.shutdown()));
      // A namespace that is already gone is fine: deleting it fails and is ignored.
      for (const ns of [...names.containers, ...names.hosts]) await run("ip", ["netns", "del", ns]).match(() => undefined, () => undefined);
    })()),
  };
  created(site);
  for (const step of steps) {
    const done = await ip(step);
    if (done.isErr()) {
      await site.close();
      return err(done.error);
    }
  }
  return ok(site);
}

interface Engine {
  readonly child: ChildProcess;
  /** The routes it was started with, as `--route` values. */
  readonly routes: string;
  readonly exited: Promise<void>;
  stdout: string;
}

// One host: a namespace with the underlay end, the engine as a child
// process (restarted with the new routes when they change: `flannel-ts udp`
// takes static routes), docker0 and a container namespace.
class NetnsHost implements DemoSiteHost {
  readonly name: string;
  readonly external: ExternalInterface;
  readonly note: string;
  readonly docker: DemoDockerStep;
  readonly kernelBackends?: BackendSet;
  readonly #ns: string;
  readonly #containerNs: string;
  readonly #options: NetnsSiteOptions;
  readonly #ip: (args: readonly string[]) => Promise<Result<void, DemoSiteError>>;
  readonly #routes = new Map<string, { readonly subnet: Cidr4; readonly peer: Ip4 }>();
  #spec: UdpEngineSpec | undefined;
  #subnet: Cidr4 | undefined;
  #engine: Engine | undefined;
  #queue: Promise<void> = Promise.resolve();
  #lastError: string | undefined;
  #shutDown = false;
  /** The kernel's entries for the peers, as `ip` shows them, read by settled() (kernel backends). */
  #kernelEntries: readonly string[] = [];

  constructor(name: string, index: number, ns: string, containerNs: string, options: NetnsSiteOptions, ip: (args: readonly string[]) => Promise<Result<void, DemoSiteError>>) {
    const publicIp = PUBLIC_IPS[index]!;
    this.name = name;
    this.external = { name: `${options.prefix}u${index + 1}`, mtu: NETNS_UNDERLAY_MTU, ifaceAddress: publicIp, publicIp };
    this.note = `namespace ${ns}, external interface ${this.external.name} at ${formatIp(publicIp)}, MTU ${NETNS_UNDERLAY_MTU}`;
    this.#ns = ns;
    this.#containerNs = containerNs;
    this.#options = options;
    this.#ip = ip;
    if ((options.backend ?? "udp") !== "udp") this.kernelBackends = nodeKernelBackends({ openRtnetlink: (options.openRtnetlink ?? netnsRtnetlinkOpener)(ns) });
    this.docker = demoDockerStep({
      seed: options.seedDaemonJson,
      apply: (target) => this.#dockerBridge(target),
      appliedNote: `docker0 set up in ${ns} with that bip and mtu, container namespace ${containerNs} behind it`,
    });
  }

  readonly openEngine = (spec: UdpEngineSpec): ResultAsync<UdpEnginePort, PortError> => {
    this.#spec = spec;
    this.#subnet = spec.subnet;
    return new ResultAsync(
      this.#restart().then((): Result<UdpEnginePort, PortError> => {
        if (this.#engine === undefined) return err({ kind: "data-path", message: this.#lastError ?? "the engine did not start" });
        return ok({
          setRoute: (subnet, peer) => {
            this.#routes.set(formatCidr(subnet), { subnet, peer });
            this.#enqueueRestart();
          },
          deleteRoute: (subnet) => {
            if (this.#routes.delete(formatCidr(subnet))) this.#enqueueRestart();
          },
          close: () => this.shutdown(),
        });
      }),
    );
  };

  routes(): readonly string[] {
    if (this.kernelBackends !== undefined) return this.#kernelEntries;
    return [...this.#routes.values()].map((r) => `${formatCidr(r.subnet)} -> ${formatIp(r.peer)}:${this.#spec?.port ?? DEFAULT_UDP_PORT}`);
  }

  settled(): Promise<void> {
    return this.kernelBackends === undefined ? this.#queue : this.#readKernelEntries();
  }

  // The backend programs a peer soon after the agent learns of it: waits a
  // bounded time until the kernel routes another subnet of the network,
  // then keeps the route (and for VXLAN the neighbour and FDB entry) as
  // `ip` and `bridge` print them.
  async #readKernelEntries(): Promise<void> {
    const show = async (command: string, args: readonly string[]): Promise<string[]> => {
      const r = await this.#options.run(command, args);
      return r.isOk() && r.value.code === 0 ? r.value.stdout.split("\n").filter((l) => l.trim() !== "").map((l) => l.trimEnd()) : [];
    };
    const own = this.#subnet === undefined ? "" : `${formatCidr(this.#subnet)} `;
    let routes: string[] = [];
    for (let i = 0; i < 50; i++) {
      routes = (await show("ip", ["-n", this.#ns, "-4", "route", "show"])).filter((l) => l.startsWith("172.20.") && !l.startsWith(own) && !l.includes("dev docker0"));
      if (routes.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const entries = routes.map((l) => `route ${l}`);
    if (this.#options.backend === "vxlan") {
      for (const l of await show("ip", ["-n", this.#ns, "-4", "neigh", "show", "dev", "flannel.1"])) entries.push(`neighbour ${l}`);
      for (const l of await show("ip", ["netns", "exec", this.#ns, "bridge", "fdb", "show", "dev", "flannel.1"])) if (l.includes(" dst ")) entries.push(`fdb ${l}`);
    }
    this.#kernelEntries = entries;
  }

  container(): Ip4 | undefined {
    return this.#subnet === undefined ? undefined : ip4(this.#subnet.address + 2);
  }

  async ping(request: DemoPingRequest): Promise<PingResult> {
    const target = request.to.container();
    if (target === undefined) throw new Error("NetnsHost.ping: before the data paths opened");
    const seconds = (ms: number): string => String(ms / 1000);
    const args = [
      "netns",
      "exec",
      this.#containerNs,
      "ping",
      "-c",
      String(request.count),
      "-i",
      seconds(request.intervalMs),
      "-W",
      seconds(Math.max(1000, request.timeoutMs)),
      formatIp(target),
    ];
    const limitMs = request.count * request.intervalMs + request.timeoutMs + 5000;
    const child = spawn("ip", args, { stdio: ["ignore", "pipe", "pipe"] });
    const lines: string[] = [];
    let partial = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      partial += chunk;
      const complete = partial.split("\n");
      partial = complete.pop() ?? "";
      for (const line of complete) {
        lines.push(line);
        request.print(line);
      }
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const killer = setTimeout(() => child.kill("SIGINT"), limitMs);
    await new Promise<void>((resolve) => child.once("close", () => resolve()));
    clearTimeout(killer);
    if (partial !== "") {
      lines.push(partial);
      request.print(partial);
    }
    for (const line of stderr.split("\n").filter((l) => l !== "")) request.print(line);
    return parsePingOutput(lines);
  }

  async counters(): Promise<UdpCounters | undefined> {
    const engine = this.#engine;
    if (engine === undefined) return undefined;
    const before = engine.stdout.length;
    engine.child.kill("SIGUSR1");
    for (let i = 0; i < 100; i++) {
      const line = engine.stdout.slice(before).split("\n").find((l) => l.startsWith("{"));
      if (line !== undefined) {
        try {
          return JSON.parse(line) as UdpCounters;
        } catch {
          return undefined;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return undefined;
  }

  /** Stops the engine for good: no restart after this, even one already queued. Idempotent. */
  async shutdown(): Promise<void> {
    this.#shutDown = true;
    await this.#queue;
    await this.#stopEngine();
  }

  // Stops the engine (SIGTERM: it removes its TUN device), waiting a bounded time.
  async #stopEngine(): Promise<void> {
    const engine = this.#engine;
    this.#engine = undefined;
    if (engine === undefined) return;
    engine.child.kill("SIGTERM");
    const killer = setTimeout(() => engine.child.kill("SIGKILL"), 5000);
    await engine.exited;
    clearTimeout(killer);
  }

  #enqueueRestart(): void {
    this.#queue = this.#queue.then(() => this.#restart());
  }

  // Restarts the engine with the current routes, unless it already runs
  // with them (several changes queued at once restart it once).
  async #restart(): Promise<void> {
    const spec = this.#spec;
    if (spec === undefined || this.#shutDown) return;
    const routes = [...this.#routes.values()].flatMap((r) => ["--route", `${formatCidr(r.subnet)}=${formatIp(r.peer)}`]);
    if (this.#engine !== undefined && this.#engine.routes === routes.join(" ")) return;
    await this.#stopEngine();
    const args = [
      ...this.#options.flannelTs,
      "udp",
      "--tun",
      spec.device,
      "--subnet",
      formatCidr(spec.subnet),
      "--network",
      formatCidr(spec.network),
      "--bind",
      formatIp(spec.bindAddress),
      "--port",
      String(spec.port),
      "--mtu",
      String(spec.mtu),
      ...(spec.sourceFilter ? [] : ["--no-source-filter"]),
      ...routes,
    ];
    const child = spawn("ip", ["netns", "exec", this.#ns, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    const engine: Engine = { child, routes: routes.join(" "), exited: new Promise((resolve) => child.once("close", () => resolve())), stdout: "" };
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (engine.stdout += chunk));
    let stderr = "";
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ready = new Promise<boolean>((resolve) => {
      child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
        stderr += chunk;
        if (stderr.includes(`flannel-ts udp: ${spec.device} `)) resolve(true);
      });
      void engine.exited.then(() => resolve(false));
      timer = setTimeout(() => resolve(false), this.#options.startTimeoutMs ?? 15_000);
    }).finally(() => clearTimeout(timer));
    this.#engine = engine;
    if (!(await ready)) {
      this.#lastError = `the UDP engine in ${this.#ns} did not start: ${stderr.trim() || "no output"}`;
      await this.#stopEngine();
    }
  }

  // What dockerd does with bip and mtu after its restart: docker0 with the
  // bip; and what `docker run` does: a container behind it on the subnet's .2.
  #dockerBridge(target: DockerTarget): ResultAsync<void, PortError> {
    // The kernel backends open no engine: the container's address comes from the lease here.
    this.#subnet = target.subnet;
    const bip = bridgeAddress(target.subnet);
    const mtu = String(target.mtu);
    const ns = this.#ns;
    const cns = this.#containerNs;
    const veth = `${this.#options.prefix}v${this.name.slice(-1)}`;
    const container = `${formatIp(ip4(target.subnet.address + 2))}/${target.subnet.prefix}`;
    const steps: (readonly string[])[] = [
      ["-n", ns, "link", "add", "docker0", "type", "bridge"],
      ["-n", ns, "addr", "add", formatCidr(bip), "dev", "docker0"],
      ["-n", ns, "link", "set", "docker0", "mtu", mtu, "up"],
      ["link", "add", veth, "netns", ns, "type", "veth", "peer", "name", "eth0", "netns", cns],
      ["-n", ns, "link", "set", veth, "mtu", mtu, "master", "docker0", "up"],
      ["-n", cns, "link", "set", "lo", "up"],
      ["-n", cns, "addr", "add", container, "dev", "eth0"],
      ["-n", cns, "link", "set", "eth0", "mtu", mtu, "up"],
      ["-n", cns, "route", "add", "default", "via", formatIp(ip4(bip.address))],
      ["netns", "exec", ns, "sysctl", "-qw", "net.ipv4.ip_forward=1"],
    ];
    return new ResultAsync(
      (async (): Promise<Result<void, PortError>> => {
        for (const step of steps) {
          const done = await this.#ip(step);
          if (done.isErr()) return err({ kind: "docker", message: done.error.message });
        }
        return ok(undefined);
      })(),
    );
  }
}
