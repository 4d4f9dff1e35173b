/**
 * The agent on a Linux host under Node.js: the external interface from the
 * host's interfaces and default route, the previous subnet from subnet.env,
 * the lease manager on a registry, the backends (the UDP engine with a TUN
 * device; VXLAN and host-gw through rtnetlink), iptables, and flanneld's
 * /healthz endpoint.
 *
 * @module
 */
import { errAsync, okAsync, type Result, ResultAsync } from "neverthrow";
import { type Clock, systemClock } from "../core/clock.ts";
import { DEFAULT_IPTABLES_RESYNC_SECONDS, DEFAULT_RENEW_MARGIN_MINUTES, DEFAULT_SUBNET_FILE } from "../core/defaults.ts";
import type { Registry } from "../etcd/registry.ts";
import type { AgentEvent } from "../flannel/agent-events.ts";
import type { BackendSet } from "../backend/backend.ts";
import { type OpenUdpEngine, udpBackend } from "../backend/udp/udp-backend.ts";
import type { DockerStep, Firewall } from "../flannel/agent-ports.ts";
import { registryLeases, type RegistryLeasesOptions } from "../flannel/agent-registry-leases.ts";
import { type AgentError, type AgentExit, type AgentHealth, type RunningAgent, startAgent } from "../flannel/agent.ts";
import type { ExternalInterface } from "../backend/backend.ts";
import { chooseExternalInterface, type ExternalInterfaceError, type ExternalInterfaceOptions, type HostInterface, type RouteToAddress } from "../flannel/external-interface.ts";
import { formatIp, type Ip, parseIp } from "../subnet/ip.ts";
import { routeToAddress } from "./route-to-address.ts";
import type { SubnetKey } from "../subnet/subnet-key.ts";
import type { Random } from "../subnet/random.ts";
import { iptablesFirewall } from "./agent-firewall.ts";
import { subnetEnvFileWriter } from "./agent-subnet-file.ts";
import { type HealthzError, type HealthzServer, startHealthz } from "./healthz.ts";
import { defaultRouteInterface, listHostInterfaces } from "./host-interfaces.ts";
import { readSubnetEnvFile } from "./subnet-env-file.ts";
import { udpEngineOpener } from "./udp-engine-opener.ts";
import { nodeKernelBackends } from "./kernel-backends.ts";
import type { OpenRtnetlinkPort } from "../backend/rtnetlink-port.ts";

/** What the Node agent is built from; everything but `registry` and `log` has flanneld's default. */
export interface NodeAgentOptions {
  /** Where the config and leases are (an `Etcd3Registry` for a real host). */
  readonly registry: Registry;
  /** Receives every event (see `agentLogWriter`). */
  readonly log: (event: AgentEvent) => void;
  /** `--iface` values in order. Default none: the default route's interface. */
  readonly iface?: readonly string[];
  /** `--iface-regex` values. Default none. */
  readonly ifaceRegex?: readonly string[];
  /** `--iface-can-reach`: an IPv4 or IPv6 address; the interface of the route to it is chosen when no `iface` or `ifaceRegex` matches. Default none. */
  readonly ifaceCanReach?: string;
  /** Looks up the route to `ifaceCanReach`. Default: {@link routeToAddress} (RTM_GETROUTE in this thread's network namespace). */
  readonly routeTo?: (address: Ip) => ResultAsync<RouteToAddress, string>;
  /** `--public-ip`. Default: the interface's address. */
  readonly publicIp?: string;
  /** `--public-ipv6`. Default: the interface's global IPv6 address (dual-stack networks only). */
  readonly publicIpv6?: string;
  /** subnet.env's path. Default /run/flannel/subnet.env. */
  readonly subnetFile?: string;
  /** Minutes before expiry that the lease is renewed. Default 60. */
  readonly renewMarginMinutes?: number;
  /**
   * The lease manager's timing in seconds: TTL (default 24 h), renew margin
   * (default `renewMarginMinutes`) and retry interval after a failure
   * (default 60 s). flanneld has no flags for the TTL and the retry; fault
   * tests shorten them so that leases expire within a test.
   */
  readonly leaseTiming?: Pick<RegistryLeasesOptions, "ttlSeconds" | "renewMarginSeconds" | "retryIntervalSeconds">;
  /** flanneld's `--ip-masq`. Default false. */
  readonly ipMasq?: boolean;
  /** flanneld's `--iptables-forward-rules`. Default true. */
  readonly forwardRules?: boolean;
  /** Seconds between iptables checks. Default 5. */
  readonly iptablesResyncSeconds?: number;
  /** Seconds between reconciles of the backend's entries with the leases. Default 10 (flanneld's route check). */
  readonly reconcileSeconds?: number;
  /** Address and port of /healthz; port 0 or absent: no endpoint. */
  readonly healthz?: { readonly ip: string; readonly port: number };
  /** The UDP backend's TUN device name. Default flannel0. */
  readonly tunName?: string;
  /** The UDP backend accepts datagrams only from current leases' PublicIPs. Default true. */
  readonly sourceFilter?: boolean;
  /** The Docker step. Default none. */
  readonly docker?: DockerStep;
  /** Ends the wait for the network config. */
  readonly signal?: AbortSignal;
  /** The host's interfaces. Default: read from the system. */
  readonly interfaces?: readonly HostInterface[];
  /** The default route's interface. Default: read from /proc/net/route. */
  readonly defaultRouteInterface?: string;
  /** The backends. Default: {@link nodeBackends} with `tunName`, `sourceFilter` and `openUdpEngine`. */
  readonly backends?: BackendSet;
  /** Starts the UDP backend's engine. Default: the TypeScript engine on a TUN device ({@link udpEngineOpener}). */
  readonly openUdpEngine?: OpenUdpEngine;
  /** The firewall. Default: iptables ({@link iptablesFirewall}). */
  readonly firewall?: Firewall;
  /** Time. Default: the system clock. */
  readonly clock?: Clock;
  /** The allocator's random source. Default: Web Crypto. */
  readonly random?: Random;
}

/** Why the Node agent did not start. */
export type NodeAgentError = AgentError | ExternalInterfaceError | HealthzError;

/** The agent running on this host. */
export interface NodeAgent {
  /** The agent itself (status, lease, peers). */
  readonly agent: RunningAgent;
  /** The health endpoint, when one was asked for. */
  readonly healthz: HealthzServer | undefined;
  /** Stops the agent (see `RunningAgent.stop`) and the health endpoint. */
  stop(options?: { readonly release?: boolean; readonly reason?: string }): Promise<void>;
  /** Settles when the agent has ended (stopped, or failed on its own); the health endpoint is closed by then. */
  readonly done: Promise<AgentExit>;
}

/**
 * Starts the agent on this host, as `flannel-ts agent` runs it: chooses the
 * external interface, asks for the subnet of the previous subnet.env, and
 * serves /healthz (when a port is given) from before the config is read
 * (unhealthy until the agent runs). Needs root for the TUN device and iptables.
 *
 * @param options the registry, the log and flanneld's settings; see {@link NodeAgentOptions}
 * @returns the running agent, or why it could not start
 * @example
 * ```ts ignore
 * import { Etcd3Registry } from "flannel-ts/etcd";
 * import { agentLogWriter, startNodeAgent } from "flannel-ts/node";
 * // As root, with etcd on 127.0.0.1:2379: type-checked, not run.
 * const registry = new Etcd3Registry({ endpoints: ["http://127.0.0.1:2379"], prefix: "/atomic.io/network" });
 * const started = await startNodeAgent({ registry, log: agentLogWriter((l) => process.stderr.write(l)) });
 * if (started.isErr()) console.error(started.error.message);
 * else await started.value.stop();
 * await registry.close();
 * ```
 */
export function startNodeAgent(options: NodeAgentOptions): ResultAsync<NodeAgent, NodeAgentError> {
  return canReachRoute(options).andThen((ifaceCanReach) => startWith(options, ifaceCanReach));
}

type CanReach = ExternalInterfaceOptions["ifaceCanReach"];

/** The address of `--iface-can-reach` and the kernel's route to it (a read, before anything starts); nothing when not asked for. */
function canReachRoute(options: NodeAgentOptions): ResultAsync<CanReach, ExternalInterfaceError> {
  const text = options.ifaceCanReach;
  if (text === undefined || text === "") return okAsync(undefined);
  const address = parseIp(text);
  if (address.isErr()) return errAsync({ kind: "external-interface", message: `--iface-can-reach: ${address.error.message}` });
  const lookup = options.routeTo ?? ((a: Ip) => routeToAddress(a));
  // A lookup that fails is not an error yet: an --iface may still match; the choice says why when none does.
  return ResultAsync.fromSafePromise(Promise.resolve(lookup(address.value))).map((route) => ({ address: formatIp(address.value), route }));
}

function startWith(options: NodeAgentOptions, ifaceCanReach: CanReach): ResultAsync<NodeAgent, NodeAgentError> {
  const interfaces = options.interfaces ?? listHostInterfaces();
  const defaultIface = options.defaultRouteInterface ?? defaultRouteInterface();
  const choose = (ipv6: boolean): Result<ExternalInterface, ExternalInterfaceError> =>
    chooseExternalInterface(interfaces, {
      ...(options.iface === undefined ? {} : { iface: options.iface }),
      ...(options.ifaceRegex === undefined ? {} : { ifaceRegex: options.ifaceRegex }),
      ...(ifaceCanReach === undefined ? {} : { ifaceCanReach }),
      ...(options.publicIp === undefined ? {} : { publicIp: options.publicIp }),
      ...(options.publicIpv6 === undefined ? {} : { publicIpv6: options.publicIpv6 }),
      ...(defaultIface === undefined ? {} : { defaultRouteInterface: defaultIface }),
      ipv6,
    });
  // The IPv4 choice is checked before anything starts; the IPv6 half once the config says the network is dual-stack.
  const v4 = choose(false);
  if (v4.isErr()) return errAsync(v4.error);
  const subnetFile = options.subnetFile ?? DEFAULT_SUBNET_FILE;
  let running: RunningAgent | undefined;
  const health = (): AgentHealth => running?.status().health ?? { healthy: false, reason: "starting: waiting for the network config and the lease" };
  const healthz: ResultAsync<HealthzServer | undefined, HealthzError> = options.healthz === undefined || options.healthz.port === 0
    ? okAsync(undefined)
    : startHealthz(options.healthz.ip, options.healthz.port, health);
  return healthz.andThen((server) =>
    previousSubnet(subnetFile, options.log)
      .andThen((previous) => {
        const { leases, peers } = registryLeases({
          registry: options.registry,
          renewMarginSeconds: (options.renewMarginMinutes ?? DEFAULT_RENEW_MARGIN_MINUTES) * 60,
          ...options.leaseTiming,
          ...(options.clock === undefined ? {} : { clock: options.clock }),
          ...(options.random === undefined ? {} : { random: options.random }),
        });
        return startAgent({
          config: options.registry,
          leases,
          peers,
          external: (config) => (config.ipv6 === undefined ? v4 : choose(true)),
          backends: options.backends ??
            nodeBackends({
              ...(options.tunName === undefined ? {} : { tunName: options.tunName }),
              ...(options.sourceFilter === undefined ? {} : { sourceFilter: options.sourceFilter }),
              ...(options.openUdpEngine === undefined ? {} : { openUdpEngine: options.openUdpEngine }),
            }),
          subnetFile: subnetEnvFileWriter(subnetFile),
          clock: options.clock ?? systemClock,
          log: options.log,
          firewall: options.firewall ?? iptablesFirewall(),
          ...(options.docker === undefined ? {} : { docker: options.docker }),
          ...(previous === undefined ? {} : { previousSubnet: previous }),
          ipMasq: options.ipMasq ?? false,
          forwardRules: options.forwardRules ?? true,
          iptablesResyncMs: (options.iptablesResyncSeconds ?? DEFAULT_IPTABLES_RESYNC_SECONDS) * 1000,
          ...(options.reconcileSeconds === undefined ? {} : { reconcileMs: options.reconcileSeconds * 1000 }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
      })
      .map((agent): NodeAgent => {
        running = agent;
        const done = agent.done.then(async (exit) => {
          await server?.close();
          return exit;
        });
        return {
          agent,
          healthz: server,
          stop: async (stopOptions) => {
            await agent.stop(stopOptions);
            await done;
          },
          done,
        };
      })
      .orElse((error) => ResultAsync.fromSafePromise(server?.close() ?? Promise.resolve()).andThen(() => errAsync(error)))
  );
}

// flanneld reads the previous subnet from subnet.env and ignores a file it
// cannot read; so does this, with a warning in the log.
function previousSubnet(path: string, log: (event: AgentEvent) => void): ResultAsync<SubnetKey | undefined, never> {
  return readSubnetEnvFile(path)
    .map((env): SubnetKey | undefined => {
      if (env?.subnet === undefined) return undefined;
      log({ kind: "previous-subnet", path, subnet: env.subnet });
      return { ipv4: env.subnet, ...(env.ipv6Subnet === undefined ? {} : { ipv6: env.ipv6Subnet }) };
    })
    .orElse((e) => {
      log({ kind: "previous-subnet-unreadable", path, message: e.message });
      return okAsync(undefined);
    });
}

/** Options of {@link nodeBackends}. */
export interface NodeBackendsOptions {
  /** The UDP backend's TUN device. Default flannel0. */
  readonly tunName?: string;
  /** The UDP backend's source filter. Default true. */
  readonly sourceFilter?: boolean;
  /** Starts the UDP engine. Default {@link udpEngineOpener}. */
  readonly openUdpEngine?: OpenUdpEngine;
  /** Opens the rtnetlink socket of the VXLAN and host-gw backends when one opens. Default: a socket in this thread's network namespace. */
  readonly openRtnetlink?: OpenRtnetlinkPort;
  /** Draws the MAC of a new VXLAN device. Default: Web Crypto. */
  readonly random?: Random;
}

/**
 * The backends the Node agent runs: flannel's UDP backend on the TypeScript
 * engine, and the VXLAN and host-gw backends on the kernel's data path
 * (their rtnetlink socket opens only when one of them opens).
 *
 * @param options the UDP backend's device and source filter; the kernel backends' socket and random source
 * @returns the agent's `backends`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nodeBackends } from "flannel-ts/node";
 *
 * assert.deepEqual(Object.keys(nodeBackends()), ["udp", "vxlan", "host-gw"]);
 * ```
 */
export function nodeBackends(options: NodeBackendsOptions = {}): BackendSet {
  return {
    udp: udpBackend({
      open: options.openUdpEngine ?? udpEngineOpener(),
      ...(options.tunName === undefined ? {} : { device: options.tunName }),
      ...(options.sourceFilter === undefined ? {} : { sourceFilter: options.sourceFilter }),
    }),
    ...nodeKernelBackends({
      ...(options.openRtnetlink === undefined ? {} : { openRtnetlink: options.openRtnetlink }),
      ...(options.random === undefined ? {} : { random: options.random }),
    }),
  };
}
