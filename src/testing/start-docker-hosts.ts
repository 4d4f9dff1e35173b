import type { StartedNetwork } from "testcontainers";
import { loadTestcontainers } from "./_testcontainers-env.ts";
import { ensureDockerHostImage } from "./ensure-docker-host-image.ts";
import { type DockerHost, startDockerHost, type StartDockerHostOptions } from "./start-docker-host.ts";
import { type EtcdNode, startEtcd, type StartEtcdOptions } from "./start-etcd.ts";

/** Options for {@link startDockerHosts}. */
export interface StartDockerHostsOptions {
  /** Number of Docker-in-Docker hosts. Default 2. */
  readonly count?: number;
  /**
   * Start an etcd node on the same network, reachable from the hosts at
   * `http://etcd:2379` (its `networkEndpoint`). `true` for defaults, or
   * options for {@link startEtcd} (its `network` is set for you). Default false.
   */
  readonly etcd?: boolean | Omit<StartEtcdOptions, "network">;
  /**
   * Options for each host, or a function of the host's index (0-based) and
   * name, e.g. to give each its own daemon.json. `name` and `network` are
   * set by this function. Default: {@link startDockerHost}'s defaults.
   */
  readonly host?: Omit<StartDockerHostOptions, "name" | "network"> | ((index: number, name: string) => Omit<StartDockerHostOptions, "name" | "network">);
  /** Host names are `<namePrefix>1`, `<namePrefix>2`, ... Default "host-". */
  readonly namePrefix?: string;
  /** Network to use. Default: a new network, removed by `stop()`. */
  readonly network?: StartedNetwork;
}

/** etcd and Docker-in-Docker hosts on one network, from {@link startDockerHosts}. */
export interface DockerHosts extends AsyncDisposable {
  readonly network: StartedNetwork;
  /** The etcd node, when asked for. */
  readonly etcd: EtcdNode | undefined;
  /** The hosts, in name order (host-1, host-2, ...). */
  readonly hosts: readonly DockerHost[];
  /**
   * Runs `setup` for every host at once (e.g. to start the agent in each
   * with `host.spawn`) and returns what each returned, in host order.
   */
  each<T>(setup: (host: DockerHost, index: number) => Promise<T>): Promise<T[]>;
  /** Removes the hosts, etcd, then the network if this function made it. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts etcd (optional) and N Docker-in-Docker hosts on one Docker network,
 * in parallel. Each host is reachable from the others by its name
 * (`host-1`, ...), and etcd as `etcd`. If any of them fails to start, the
 * others are removed before the error is thrown.
 *
 * @param options Count (default 2), etcd, per-host options.
 * @returns The hosts and etcd; stop them in `afterAll`.
 * @throws Error when a container does not start.
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it needs a running dockerd.
 * import { afterAll, expect, it } from "vitest";
 * import { startDockerHosts } from "flannel-ts/testing";
 *
 * const env = await startDockerHosts({ count: 2, etcd: true });
 * afterAll(() => env.stop());
 *
 * it("hosts reach each other by name", async () => {
 *   const r = await env.hosts[0]!.exec(["ping", "-c", "1", "-W", "2", "host-2"]);
 *   expect(r.exitCode).toBe(0);
 * });
 * ```
 */
export async function startDockerHosts(options: StartDockerHostsOptions = {}): Promise<DockerHosts> {
  const { Network } = await loadTestcontainers();
  const count = options.count ?? 2;
  if (!Number.isInteger(count) || count < 1 || count > 16) throw new RangeError(`startDockerHosts: count must be an integer from 1 to 16, got ${count}`);
  // Build (or find) the image once before the parallel starts.
  const hostOptionsOf = (i: number, name: string): Omit<StartDockerHostOptions, "name" | "network"> =>
    typeof options.host === "function" ? options.host(i, name) : (options.host ?? {});
  const needsLocalImage = Array.from({ length: count }, (_, i) => hostOptionsOf(i, `${options.namePrefix ?? "host-"}${i + 1}`)).some((o) => o.image === undefined);
  const image = needsLocalImage ? await ensureDockerHostImage() : undefined;

  const ownNetwork = options.network === undefined;
  const network = options.network ?? (await new Network().start());
  const etcdOptions = options.etcd === true ? {} : options.etcd === false || options.etcd === undefined ? undefined : options.etcd;
  const names = Array.from({ length: count }, (_, i) => `${options.namePrefix ?? "host-"}${i + 1}`);

  const [etcdResult, ...hostResults] = await Promise.allSettled([
    etcdOptions === undefined ? Promise.resolve(undefined) : startEtcd({ ...etcdOptions, network }),
    ...names.map((name, i) => {
      const o = hostOptionsOf(i, name);
      return startDockerHost({ ...(image === undefined ? {} : { image }), ...o, name, network });
    }),
  ]);
  const etcd = etcdResult?.status === "fulfilled" ? etcdResult.value : undefined;
  const hosts = hostResults.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= (async () => {
    await Promise.allSettled([...hosts.map((h) => h.stop()), etcd?.stop()]);
    if (ownNetwork) await network.stop();
  })());
  const failure = [etcdResult, ...hostResults].find((r) => r?.status === "rejected");
  if (failure?.status === "rejected") {
    await stop();
    throw failure.reason;
  }
  return {
    network,
    etcd,
    hosts,
    each: (setup) => Promise.all(hosts.map((h, i) => setup(h, i))),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
