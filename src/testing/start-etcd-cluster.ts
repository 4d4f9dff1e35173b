import { randomUUID } from "node:crypto";
import type { StartedNetwork } from "testcontainers";
import { type ManagedEtcdMember, peerUrl, startEtcdMember } from "./_etcd-container.ts";
import { loadTestcontainers } from "./_testcontainers-env.ts";
import { ensureEtcdImage } from "./ensure-etcd-image.ts";
import type { EtcdMember } from "./etcd-member.ts";

/** Options for {@link startEtcdCluster}. */
export interface StartEtcdClusterOptions {
  /** Number of members. Default 3. */
  readonly size?: number;
  /** Image to run. Default: FLANNEL_TS_ETCD_IMAGE, else the local image from {@link ensureEtcdImage}. */
  readonly image?: string;
  /**
   * Network to put the members on. Default: a new network, removed by
   * `stop()`; a network you pass is left for you to remove.
   */
  readonly network?: StartedNetwork;
  /** Member names are `<namePrefix>0`, `<namePrefix>1`, ... Default "etcd-". */
  readonly namePrefix?: string;
  /** Absolute path of etcd in the image. Default "/usr/local/bin/etcd". */
  readonly etcdPath?: string;
  /** Absolute path of etcdctl in the image. Default "/usr/local/bin/etcdctl". */
  readonly etcdctlPath?: string;
  /** More etcd flags for every member. Default none. */
  readonly extraArgs?: readonly string[];
  /** How long to wait for the members to serve. Default 60 s. */
  readonly startupTimeoutMs?: number;
}

/** A running etcd cluster, from {@link startEtcdCluster}. */
export interface EtcdCluster extends AsyncDisposable {
  /** The members, in name order. */
  readonly members: readonly EtcdMember[];
  /** Every member's host-mapped client URL, for `new Etcd3({ hosts })`. */
  readonly endpoints: readonly string[];
  /** Every member's client URL on the cluster's network. */
  readonly networkEndpoints: readonly string[];
  /** The cluster's Docker network (others may join it). */
  readonly network: StartedNetwork;
  /**
   * The member that is the raft leader now, as running members report it
   * (`etcdctl endpoint status`). Waits up to `timeoutMs` (default 30 s) for
   * an election to finish.
   */
  leader(timeoutMs?: number): Promise<EtcdMember>;
  /** Removes every member, then the network if the cluster made it. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts an etcd cluster, one container per member on one Docker network,
 * and waits until every member serves clients. Members start together (each
 * waits for a quorum before it serves).
 *
 * @param options Size (default 3), image, network; all optional.
 * @returns The cluster; stop it in `afterAll`.
 * @throws Error when a member does not start (the others are removed first).
 *
 * @example
 * ```ts ignore
 * // Type-checked, not run by `deno test --doc`: it needs a running dockerd.
 * import { afterAll, expect, it } from "vitest";
 * import { startEtcdCluster } from "flannel-ts/testing";
 *
 * const cluster = await startEtcdCluster({ size: 3 });
 * afterAll(() => cluster.stop());
 *
 * it("survives losing its leader", async () => {
 *   const leader = await cluster.leader();
 *   await leader.halt();
 *   const next = await cluster.leader();
 *   expect(next.name).not.toBe(leader.name);
 *   await leader.resume();
 * });
 * ```
 */
export async function startEtcdCluster(options: StartEtcdClusterOptions = {}): Promise<EtcdCluster> {
  const { Network } = await loadTestcontainers();
  const size = options.size ?? 3;
  if (!Number.isInteger(size) || size < 1 || size > 9) throw new RangeError(`startEtcdCluster: size must be an integer from 1 to 9, got ${size}`);
  const image = options.image ?? (await ensureEtcdImage());
  const ownNetwork = options.network === undefined;
  const network = options.network ?? (await new Network().start());
  const prefix = options.namePrefix ?? "etcd-";
  const names = Array.from({ length: size }, (_, i) => `${prefix}${i}`);
  const initialCluster = names.map((n) => `${n}=${peerUrl(n, true)}`).join(",");
  const clusterToken = randomUUID();
  const settled = await Promise.allSettled(
    names.map((name) =>
      startEtcdMember({
        image,
        name,
        network,
        initialCluster,
        clusterToken,
        tls: undefined,
        etcdPath: options.etcdPath ?? "/usr/local/bin/etcd",
        etcdctlPath: options.etcdctlPath ?? "/usr/local/bin/etcdctl",
        extraArgs: options.extraArgs ?? [],
        startupTimeoutMs: options.startupTimeoutMs ?? 60_000,
      })
    ),
  );
  const members = settled.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= (async () => {
    await Promise.allSettled(members.map((m) => m.remove()));
    if (ownNetwork) await network.stop();
  })());
  const failure = settled.find((s) => s.status === "rejected");
  if (failure !== undefined) {
    await stop();
    throw failure.reason;
  }
  return {
    members,
    endpoints: members.map((m) => m.endpoint),
    networkEndpoints: members.map((m) => m.networkEndpoint ?? ""),
    network,
    leader: (timeoutMs = 30_000) => findLeader(members, timeoutMs),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function findLeader(members: readonly ManagedEtcdMember[], timeoutMs: number): Promise<EtcdMember> {
  const deadline = Date.now() + timeoutMs;
  let last = "no member running";
  for (;;) {
    const statuses = await Promise.all(members.filter((m) => m.running).map(async (m) => ({ member: m, status: await memberStatus(m) })));
    for (const { member, status } of statuses) {
      if (status !== undefined && status.leader !== "0" && status.memberId === status.leader) return member;
    }
    last = statuses.map(({ member, status }) => `${member.name}: ${status === undefined ? "no answer" : `leader ${status.leader}`}`).join(", ") || last;
    if (Date.now() > deadline) throw new Error(`etcd cluster: no leader after ${timeoutMs} ms (${last})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

// The member and leader IDs are 64-bit numbers that JSON.parse would round,
// so they are read from the text as digit strings.
async function memberStatus(member: ManagedEtcdMember): Promise<{ memberId: string; leader: string } | undefined> {
  const r = await member.etcdctl(["endpoint", "status", "--write-out=json", "--command-timeout=2s"]).catch(() => undefined);
  if (r === undefined || r.exitCode !== 0) return undefined;
  const memberId = /"member_id":(\d+)/.exec(r.stdout)?.[1];
  const leader = /"leader":(\d+)/.exec(r.stdout)?.[1];
  return memberId === undefined || leader === undefined ? undefined : { memberId, leader };
}
