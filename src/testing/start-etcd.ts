import { randomUUID } from "node:crypto";
import type { StartedNetwork } from "testcontainers";
import { enableRootAuth, type ManagedEtcdMember, peerUrl, startEtcdMember } from "./_etcd-container.ts";
import { ensureEtcdImage } from "./ensure-etcd-image.ts";
import type { EtcdMember, EtcdTlsFiles } from "./etcd-member.ts";

/** Options for {@link startEtcd}. */
export interface StartEtcdOptions {
  /** Image to run. Default: FLANNEL_TS_ETCD_IMAGE, else the local image from {@link ensureEtcdImage}. */
  readonly image?: string;
  /** Member name and network alias. Default "etcd". */
  readonly name?: string;
  /**
   * Docker network to join (e.g. one shared with Docker-in-Docker hosts);
   * containers on it reach etcd at `networkEndpoint` (`http://<name>:2379`).
   * Default: none (only the host-mapped endpoint).
   */
  readonly network?: StartedNetwork;
  /** Serve clients over TLS with these files. Default: plain http. */
  readonly tls?: EtcdTlsFiles;
  /**
   * Enable authentication with a root user of this password once etcd
   * serves. Default: auth off.
   */
  readonly rootPassword?: string;
  /** Absolute path of etcd in the image. Default "/usr/local/bin/etcd" (the local and the official images). */
  readonly etcdPath?: string;
  /** Absolute path of etcdctl in the image. Default "/usr/local/bin/etcdctl". */
  readonly etcdctlPath?: string;
  /** More etcd flags, appended to the kit's (e.g. `["--auto-compaction-retention=1"]`). Default none. */
  readonly extraArgs?: readonly string[];
  /** How long to wait for etcd to serve. Default 60 s. */
  readonly startupTimeoutMs?: number;
}

/** A single etcd node, from {@link startEtcd}. */
export interface EtcdNode extends EtcdMember, AsyncDisposable {
  /** `[endpoint]`, in the shape etcd clients take (`new Etcd3({ hosts: etcd.endpoints })`). */
  readonly endpoints: readonly string[];
  /** `[networkEndpoint]` when on a network, else empty. */
  readonly networkEndpoints: readonly string[];
  /** Removes the container. Idempotent, and safe after a failed test. */
  stop(): Promise<void>;
}

/**
 * Starts one etcd node in a container (testcontainers) and waits until it
 * serves clients. Its client port is mapped to a fixed host port on
 * 127.0.0.1, so `endpoint` stays valid across `halt()`/`resume()`/`restart()`.
 *
 * Sets `TESTCONTAINERS_RYUK_DISABLED=true` unless already set (the Ryuk image
 * cannot be pulled without a registry), so call `stop()` in your teardown.
 *
 * @param options Image, TLS, auth, network; all optional.
 * @returns A running node; stop it in `afterAll` or `onTestFinished`.
 * @throws Error when the image cannot be built or etcd does not start.
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it needs a running dockerd.
 * import { afterAll, expect, it } from "vitest";
 * import { Etcd3 } from "etcd3";
 * import { startEtcd } from "flannel-ts/testing";
 *
 * const etcd = await startEtcd();
 * afterAll(() => etcd.stop());
 *
 * it("stores a key", async () => {
 *   const client = new Etcd3({ hosts: [...etcd.endpoints] });
 *   await client.put("k").value("v");
 *   expect(await client.get("k").string()).toBe("v");
 *   client.close();
 * });
 * ```
 */
export async function startEtcd(options: StartEtcdOptions = {}): Promise<EtcdNode> {
  const image = options.image ?? (await ensureEtcdImage());
  const name = options.name ?? "etcd";
  const member = await startEtcdMember({
    image,
    name,
    network: options.network,
    initialCluster: `${name}=${peerUrl(name, options.network !== undefined)}`,
    clusterToken: randomUUID(),
    tls: options.tls,
    etcdPath: options.etcdPath ?? "/usr/local/bin/etcd",
    etcdctlPath: options.etcdctlPath ?? "/usr/local/bin/etcdctl",
    extraArgs: options.extraArgs ?? [],
    startupTimeoutMs: options.startupTimeoutMs ?? 60_000,
  });
  try {
    if (options.rootPassword !== undefined) await enableRootAuth(member, options.rootPassword);
  } catch (e) {
    await member.remove();
    throw e;
  }
  return nodeOf(member);
}

function nodeOf(member: ManagedEtcdMember): EtcdNode {
  return {
    get name() {
      return member.name;
    },
    get endpoint() {
      return member.endpoint;
    },
    get networkEndpoint() {
      return member.networkEndpoint;
    },
    get container() {
      return member.container;
    },
    get running() {
      return member.running;
    },
    get endpoints() {
      return [member.endpoint];
    },
    get networkEndpoints() {
      return member.networkEndpoint === undefined ? [] : [member.networkEndpoint];
    },
    etcdctl: (args, opts) => member.etcdctl(args, opts),
    halt: () => member.halt(),
    resume: () => member.resume(),
    restart: () => member.restart(),
    logs: () => member.logs(),
    stop: () => member.remove(),
    [Symbol.asyncDispose]: () => member.remove(),
  };
}
