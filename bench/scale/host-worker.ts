// A worker process of the scale benchmark: runs many simulated hosts, each
// the library's LeaseManager and peer watch on an Etcd3Registry of its own
// (no TUN, no root), and answers the coordinator's questions over IPC.
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import type { LeaseRecord } from "../../src/etcd/registry.ts";
import { LeaseManager, type LeaseManagerEvent } from "../../src/flannel/lease-manager.ts";
import type { PeerLeaseEvent } from "../../src/flannel/lease-peer-set.ts";
import type { PeerLeaseWatch } from "../../src/flannel/lease-peer-watch.ts";
import { formatIp, parseIp4 } from "../../src/subnet/ip.ts";
import { seededRandom } from "../../src/subnet/random.ts";
import { hostIp, PROBE_IP_PREFIX, wallNow, type AcquireResult, type FromWorker, type HostCounters, type ToWorker, type WorkerSetup } from "./protocol.ts";
import { combineDigest, leaseDigest, type HostStatus } from "./step-check.ts";

const send = (message: FromWorker): void => {
  process.send?.(message);
};

// The coordinator's end of the channel is gone (it exited or was killed): so is this worker.
process.on("disconnect", () => process.exit(1));
process.on("uncaughtException", (e) => {
  send({ t: "fatal", message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
  process.exit(1);
});

const probes = new Map<string, number[]>();
/** Failures by what failed and the error's kind, e.g. "renew: unavailable". */
const errors: Record<string, number> = {};
const countError = (what: string, kind: string): void => {
  errors[`${what}: ${kind}`] = (errors[`${what}: ${kind}`] ?? 0) + 1;
};
let watching = 0;

function probeSeen(kind: "added" | "removed", lease: LeaseRecord, at: number): void {
  if (!formatIp(lease.attrs.publicIp).startsWith(PROBE_IP_PREFIX)) return;
  const name = `${kind} ${lease.key}`;
  const times = probes.get(name) ?? [];
  times.push(at);
  probes.set(name, times);
  if (times.length >= watching) flushProbe(name);
}

function flushProbe(name: string): void {
  send({ t: "probe", probe: name, times: probes.get(name) ?? [] });
  probes.delete(name);
}

class SimHost {
  readonly publicIp: string;
  registry: Etcd3Registry | undefined;
  manager: LeaseManager | undefined;
  watch: PeerLeaseWatch | undefined;
  peers = 0;
  digest = 0;
  readonly counts = { renewed: 0, renewFailed: 0, lost: 0, reacquired: 0, reacquireFailed: 0, watchErrors: 0 };

  constructor(
    readonly index: number,
    readonly setup: WorkerSetup,
  ) {
    this.publicIp = hostIp(index);
  }

  async start(startedAt: number): Promise<AcquireResult> {
    const s = this.setup;
    this.registry = new Etcd3Registry({ endpoints: s.endpoints, prefix: s.prefix, ownConnections: !s.shareConnections });
    this.manager = new LeaseManager({
      registry: this.registry,
      attrs: { publicIp: parseIp4(this.publicIp)._unsafeUnwrap() },
      ttlSeconds: s.ttlSeconds,
      renewMarginSeconds: s.renewMarginSeconds,
      retryIntervalSeconds: s.retrySeconds,
      random: seededRandom((s.seed * 1_000_003 + this.index) >>> 0),
      onEvent: (e) => this.#onManager(e),
    });
    const acquired = await this.manager.start();
    if (acquired.isErr()) countError("acquire", acquired.error.kind);
    if (acquired.isErr()) return { index: this.index, ms: Number.NaN, attempts: 0, error: acquired.error.message };
    const ms = wallNow() - startedAt;
    watching++;
    this.watch = this.manager.watchPeers(
      (e) => this.#onPeer(e),
      (e) => {
        this.counts.watchErrors++;
        countError("watch", e.kind);
      },
    );
    return { index: this.index, ms, attempts: acquired.value.attempts };
  }

  status(): HostStatus {
    return { index: this.index, publicIp: this.publicIp, key: this.manager?.lease?.lease.key ?? null, peers: this.peers, digest: this.digest };
  }

  async stop(): Promise<void> {
    await this.manager?.stop();
    await this.registry?.close();
  }

  #onManager(e: LeaseManagerEvent): void {
    switch (e.kind) {
      case "renewed":
        this.counts.renewed++;
        return;
      case "renew-failed":
        this.counts.renewFailed++;
        countError("renew", e.error.kind);
        return;
      case "lost":
        this.counts.lost++;
        countError("lost", e.reason);
        return;
      case "reacquired":
        this.counts.reacquired++;
        return;
      case "reacquire-failed":
        this.counts.reacquireFailed++;
        countError("reacquire", e.error.kind);
        return;
      case "acquired":
        return;
    }
  }

  #onPeer(e: PeerLeaseEvent): void {
    const at = wallNow();
    switch (e.kind) {
      case "snapshot":
        this.peers = e.peers.length;
        this.digest = e.peers.reduce((d, l) => combineDigest(d, leaseDigest(l.key, l.value), 1), 0);
        return;
      case "added":
        this.peers++;
        this.digest = combineDigest(this.digest, leaseDigest(e.lease.key, e.lease.value), 1);
        probeSeen("added", e.lease, at);
        return;
      case "updated":
        this.digest = combineDigest(combineDigest(this.digest, leaseDigest(e.previous.key, e.previous.value), -1), leaseDigest(e.lease.key, e.lease.value), 1);
        return;
      case "removed":
        this.peers--;
        this.digest = combineDigest(this.digest, leaseDigest(e.lease.key, e.lease.value), -1);
        probeSeen("removed", e.lease, at);
        return;
    }
  }
}

let hosts: SimHost[] = [];
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
let cpuMark = process.cpuUsage();

function counters(): HostCounters {
  const sum = { renewed: 0, renewFailed: 0, lost: 0, reacquired: 0, reacquireFailed: 0, watchErrors: 0 };
  for (const h of hosts) for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += h.counts[k];
  return sum;
}

async function stopAll(): Promise<void> {
  const bounded = new Promise<void>((resolve) => setTimeout(resolve, 15_000).unref());
  await Promise.race([Promise.all(hosts.map((h) => h.stop().catch(() => undefined))), bounded]);
  send({ t: "stopped" });
  process.exit(0);
}

process.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "setup":
      hosts = Array.from({ length: m.setup.count }, (_, i) => new SimHost(m.setup.first + i, m.setup));
      return;
    case "start": {
      const startedAt = wallNow();
      void Promise.all(hosts.map((h) => h.start(startedAt))).then((results) => send({ t: "acquired", results }));
      return;
    }
    case "status":
      send({ t: "status", id: m.id, hosts: hosts.map((h) => h.status()), counters: counters(), errors });
      return;
    case "usage": {
      const cpu = process.cpuUsage(cpuMark);
      cpuMark = process.cpuUsage();
      const mem = process.memoryUsage();
      send({
        t: "usage",
        id: m.id,
        usage: {
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          cpuSeconds: (cpu.user + cpu.system) / 1e6,
          loopP99Ms: loop.percentile(99) / 1e6,
          loopMaxMs: loop.max / 1e6,
        },
      });
      loop.reset();
      return;
    }
    case "flush-probe":
      flushProbe(m.probe);
      return;
    case "stop":
      void stopAll();
      return;
  }
});

const mem = process.memoryUsage();
send({ t: "ready", rssBytes: mem.rss, heapUsedBytes: mem.heapUsed });
