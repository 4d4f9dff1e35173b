// etcd plus N Docker-in-Docker hosts on one Docker network, the network
// config written through the library, and `flannel-ts agent` running in each
// host: the multi-host half of the test kit.
import Docker from "dockerode";
import type { StartedNetwork } from "testcontainers";
import type { BackendKind } from "../backend/backend.ts";
import { configWithBackend, type NetworkBackend } from "./_config-with-backend.ts";
import { Etcd3Registry } from "../etcd/etcd3-registry.ts";
import { ensureDockerHostImage } from "./ensure-docker-host-image.ts";
import { flannelTsMounts, type HostAgent, runAgent } from "./run-agent.ts";
import type { DockerHost } from "./start-docker-host.ts";
import { type DockerHosts, startDockerHosts } from "./start-docker-hosts.ts";
import type { EtcdNode } from "./start-etcd.ts";

/** Options of {@link runAgentHosts}. */
export interface RunAgentHostsOptions {
  /** Number of hosts. Default 2. */
  readonly count?: number;
  /** The network config written to etcd before the agents start. Default `{"Network":"172.20.0.0/16"}`. */
  readonly config?: string;
  /**
   * The network config's Backend: a type (`"udp"`, `"vxlan"`, `"host-gw"`)
   * or the whole object (e.g. `{ Type: "vxlan", VNI: 4 }`). It is merged
   * into `config`, which then must have no Backend of its own, and each
   * agent is checked to have read it (see `runAgent`'s `backend`).
   * Default: the config's Backend, else udp.
   */
  readonly backend?: BackendKind | NetworkBackend;
  /** The etcd prefix. Default "/coreos.com/network" (flanneld's). */
  readonly prefix?: string;
  /** Each host's daemon.json before dockerd first starts, or a function of the host's index. Default: none. */
  readonly daemonJson?: string | ((index: number) => string | undefined);
  /**
   * The agent's flags besides `--etcd-endpoints`, `--etcd-prefix` and
   * `--iface` (set for you: the host's address on the kit's network, since
   * hosts also sit on Docker's default bridge, which holds their default
   * route), or a function of the host's index. Default none.
   */
  readonly agentArgs?: readonly string[] | ((index: number, host: DockerHost) => readonly string[]);
  /**
   * The Docker network's subnet, the hosts' underlay. Default: the first of
   * 198.51.100.0/24, 203.0.113.0/24 and 192.0.2.0/24 (TEST-NET) that no
   * other Docker network uses, so that it never overlaps a flannel network
   * the way Docker's own pools (172.17-31.0.0/16) can.
   */
  readonly underlaySubnet?: string;
  /** The host image. Default: FLANNEL_TS_DIND_IMAGE, else the kit's local image (see `startDockerHost`). */
  readonly image?: string;
  /** The etcd image. Default: the kit's (see `startEtcd`). */
  readonly etcdImage?: string;
  /** Called with each agent's log line, e.g. to echo it while debugging. Default none. */
  readonly onLine?: (host: string, line: string) => void;
  /** How long each host's dockerd may take to answer. Default 120 s (dockerd 26 waits 15 s before serving a tcp:// host without TLS). */
  readonly dockerdTimeoutMs?: number;
}

export type { NetworkBackend };

/** What {@link runAgentHosts} started. */
export interface AgentHosts extends AsyncDisposable {
  /** The hosts and etcd (see `startDockerHosts`). */
  readonly env: DockerHosts;
  /** The etcd node; the hosts reach it as `http://etcd:2379`. */
  readonly etcd: EtcdNode;
  /** The hosts, in order (host-1, host-2, ...). */
  readonly hosts: readonly DockerHost[];
  /** The agent of each host, in host order. */
  readonly agents: readonly HostAgent[];
  /** A registry on the same etcd and prefix, from the test process. */
  readonly registry: Etcd3Registry;
  /** Stops the agents (SIGTERM), the hosts, etcd and the network. Idempotent; use it in `afterAll`. */
  stop(): Promise<void>;
}

// testcontainers' Network picks a subnet from Docker's pools, which include
// 172.20.0.0/16, the seed's flannel network; a network made here has a
// subnet of our choosing. Only getName() of StartedNetwork is used by the
// kit (withNetwork, getIpAddress), so a stand-in with its public methods
// does; the class itself cannot be built outside testcontainers.
async function createNetwork(subnet: string): Promise<StartedNetwork & { remove(): Promise<void> }> {
  const docker = new Docker();
  const name = `flannel-ts-agents-${Math.random().toString(36).slice(2, 10)}`;
  const gateway = subnet.replace(/\.0\/\d+$/, ".1");
  const network = await docker.createNetwork({
    Name: name,
    Driver: "bridge",
    CheckDuplicate: true,
    IPAM: { Config: [{ Subnet: subnet, Gateway: gateway }] },
    Labels: { "org.flannel-ts.kit": "agent-hosts" },
  });
  let removed: Promise<void> | undefined;
  const remove = (): Promise<void> => (removed ??= network.remove().then(
    () => undefined,
    (e: unknown) => {
      if (!(e instanceof Error && /404|No such network/.test(e.message))) throw e;
    },
  ));
  const standIn = {
    getId: () => network.id,
    getName: () => name,
    stop: () => remove().then(() => ({})),
    remove,
    [Symbol.asyncDispose]: remove,
  };
  return standIn as unknown as StartedNetwork & { remove(): Promise<void> };
}

async function createNetworkOn(subnets: readonly string[]): Promise<StartedNetwork & { remove(): Promise<void> }> {
  let last: unknown;
  for (const subnet of subnets) {
    try {
      return await createNetwork(subnet);
    } catch (e) {
      // Another network (another test run) has the subnet: try the next.
      if (!(e instanceof Error && /overlap/i.test(e.message))) throw e;
      last = e;
    }
  }
  throw new Error(`runAgentHosts: every underlay subnet is in use (${subnets.join(", ")})`, { cause: last });
}

/**
 * Starts etcd and `count` Docker-in-Docker hosts on a new Docker network,
 * writes the network config through the library, and runs `flannel-ts
 * agent` in every host from this checkout's build (see `flannelTsMounts`;
 * run `npm run build` first). Everything is removed again if any part
 * fails to start, and by `stop()`.
 *
 * @param options hosts, config, daemon.json, agent flags; all optional
 * @returns the hosts, their agents and a registry on the same etcd
 * @throws Error with the failing part's log when something does not start
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it needs a running dockerd.
 * import { afterAll, expect, it } from "vitest";
 * import { runAgentHosts } from "./index.ts";
 *
 * const flannel = await runAgentHosts({ count: 2, prefix: "/atomic.io/network" });
 * afterAll(() => flannel.stop());
 *
 * it("gives each host its own subnet", () => {
 *   expect(new Set(flannel.agents.map((a) => a.subnet)).size).toBe(2);
 * });
 * ```
 */
export async function runAgentHosts(options: RunAgentHostsOptions = {}): Promise<AgentHosts> {
  const count = options.count ?? 2;
  const config = configWithBackend(options.config ?? '{"Network":"172.20.0.0/16"}', options.backend);
  const prefix = options.prefix ?? "/coreos.com/network";
  const timeoutMs = options.dockerdTimeoutMs ?? 120_000;
  const mounts = flannelTsMounts();
  const image = options.image ?? (await ensureDockerHostImage());
  const network = await createNetworkOn(options.underlaySubnet === undefined ? ["198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24"] : [options.underlaySubnet]);
  let env: DockerHosts | undefined;
  let registry: Etcd3Registry | undefined;
  const agents: HostAgent[] = [];
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= (async () => {
    await Promise.allSettled(agents.map((a) => a.stop("TERM", 20_000)));
    await registry?.close();
    await env?.stop();
    await network.remove();
  })());
  try {
    env = await startDockerHosts({
      count,
      etcd: options.etcdImage === undefined ? true : { image: options.etcdImage },
      network,
      host: (index) => {
        const daemonJson = typeof options.daemonJson === "function" ? options.daemonJson(index) : options.daemonJson;
        return { image, mounts, startupTimeoutMs: timeoutMs, ...(daemonJson === undefined ? {} : { daemonJson }) };
      },
    });
    const etcd = env.etcd;
    if (etcd === undefined) throw new Error("runAgentHosts: startDockerHosts started no etcd");
    registry = new Etcd3Registry({ endpoints: [etcd.endpoint], prefix });
    const put = await registry.putConfig(config.text, { overwrite: true });
    if (put.isErr()) throw new Error(`runAgentHosts: cannot write the network config: ${put.error.message}`);
    const endpoint = etcd.networkEndpoint ?? "http://etcd:2379";
    const started = await env.each((host, index) => {
      const extra = typeof options.agentArgs === "function" ? options.agentArgs(index, host) : (options.agentArgs ?? []);
      const onLine = options.onLine;
      return runAgent(host, {
        args: ["--etcd-endpoints", endpoint, "--etcd-prefix", prefix, ...(extra.includes("--iface") ? [] : ["--iface", host.ipAddress]), ...extra],
        backend: config.type,
        ...(onLine === undefined ? {} : { onLine: (line: string) => onLine(host.name, line) }),
      });
    });
    agents.push(...started);
    const hosts = env.hosts;
    const etcdNode: EtcdNode = etcd;
    const reg: Etcd3Registry = registry;
    const dockerHosts: DockerHosts = env;
    return { env: dockerHosts, etcd: etcdNode, hosts, agents, registry: reg, stop, [Symbol.asyncDispose]: stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
