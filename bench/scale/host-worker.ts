// A worker process of the scale benchmark: runs many simulated hosts, each
// the library's LeaseManager and peer watch on an Etcd3Registry of its own
// (no TUN, no root), and answers the coordinator's questions over IPC.
import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import type { LeaseRecord } from "../../src/etcd/registry.ts";
import type { LeaseManager, LeaseManagerEvent } from "../../src/flannel/lease-manager.ts";
import type { PeerLeaseEvent } from "../../src/flannel/lease-peer-set.ts";
import type { PeerLeaseWatch } from "../../src/flannel/lease-peer-watch.ts";
import { formatIp, parseIp4 } from "../../src/subnet/ip.ts";
import { seededRandom } from "../../src/subnet/random.ts";
import { type AcquireResult, type FromWorker, type HostCounters, hostIp, PROBE_IP_PREFIX, type ToWorker, wallNow, type WorkerSetup } from "./protocol.ts";
import { combineDigest, type HostStatus, leaseDigest } from "./step-check.ts";

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
/** The latest message of each kind of failure. */
const samples: Record<string, string> = {};
const countError = (what: string, kind: string, message?: string): void => {
  errors[`${what}: ${kind}`] = (errors[`${what}: ${kind}`] ?? 0) + 1;
  if (message !== undefined) samples[`${what}: ${kind}`] = message.slice(0, 300);
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

/** The parts of the library the hosts run, as built (dist/, what users run) or from the sources through tsx. */
interface Library {
  readonly Etcd3Registry: typeof Etcd3Registry;
  readonly LeaseManager: typeof LeaseManager;
}

async function loadLibrary(from: "dist" | "src"): Promise<Library> {
  // tsx's transform wraps every function it defines in a naming helper,
  // which doubles the cost of the library's hot paths (lease decoding);
  // the compiled JavaScript is what users run.
  const at = (path: string): string => new URL(`../../${from}/${path}.${from === "dist" ? "js" : "ts"}`, import.meta.url).href;
  const [etcd, manager] = await Promise.all([
    import(at("etcd/etcd3-registry")) as Promise<typeof import("../../src/etcd/etcd3-registry.ts")>,
    import(at("flannel/lease-manager")) as Promise<typeof import("../../src/flannel/lease-manager.ts")>,
  ]);
  return { Etcd3Registry: etcd.Etcd3Registry, LeaseManager: manager.LeaseManager };
}

let lib: Library | undefined;

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

  // Acquires as an agent under systemd would: a start that fails (the agent
  // exits) is tried again 5 s later with a new manager, for up to 4 minutes.
  async start(startedAt: number): Promise<AcquireResult> {
    const s = this.setup;
    const { Etcd3Registry, LeaseManager } = lib ?? bug("start before setup");
    this.registry = new Etcd3Registry({ endpoints: s.endpoints, prefix: s.prefix, ownConnections: !s.shareConnections });
    let restarts = 0;
    for (;;) {
      const manager = new LeaseManager({
        registry: this.registry,
        attrs: { publicIp: parseIp4(this.publicIp)._unsafeUnwrap() },
        ttlSeconds: s.ttlSeconds,
        renewMarginSeconds: s.renewMarginSeconds,
        retryIntervalSeconds: s.retrySeconds,
        random: seededRandom((s.seed * 1_000_003 + this.index + restarts * 7_919) >>> 0),
        onEvent: (e) => this.#onManager(e),
      });
      const acquired = await manager.start();
      if (acquired.isOk()) {
        this.manager = manager;
        const ms = wallNow() - startedAt;
        watching++;
        this.watch = manager.watchPeers(
          (e) => this.#onPeer(e),
          (e) => {
            this.counts.watchErrors++;
            countError("watch", e.kind, e.message);
          },
        );
        return { index: this.index, ms, attempts: acquired.value.attempts, restarts };
      }
      countError("acquire", acquired.error.kind, acquired.error.message);
      await manager.stop();
      if (wallNow() - startedAt > 240_000) return { index: this.index, ms: Number.NaN, attempts: 0, restarts, error: acquired.error.message };
      restarts++;
      await new Promise((r) => setTimeout(r, 5_000));
    }
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
        countError("renew", e.error.kind, e.error.message);
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
        countError("reacquire", e.error.kind, e.error.message);
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
      case "unreadable":
        countError("peer", "unreadable lease value");
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

function bug(what: string): never {
  throw new Error(`bug: ${what}`);
}

process.on("message", (m: ToWorker) => {
  switch (m.t) {
    case "setup":
      hosts = Array.from({ length: m.setup.count }, (_, i) => new SimHost(m.setup.first + i, m.setup));
      void loadLibrary(m.setup.library).then((loaded) => {
        lib = loaded;
        const mem = process.memoryUsage();
        send({ t: "ready", rssBytes: mem.rss, heapUsedBytes: mem.heapUsed });
      });
      return;
    case "start": {
      const t0 = wallNow();
      // With a ramp, host n of N starts n/N of the way through it (hosts are numbered across workers).
      const delayOf = (h: SimHost): number => (m.rampSeconds * 1000 * h.index) / m.hosts;
      const begin = (h: SimHost): Promise<AcquireResult> => new Promise<void>((r) => setTimeout(r, Math.max(0, t0 + delayOf(h) - wallNow()))).then(() => h.start(wallNow()));
      void Promise.all(hosts.map(begin)).then((results) => send({ t: "acquired", results }));
      return;
    }
    case "status":
      send({ t: "status", id: m.id, hosts: hosts.map((h) => h.status()), counters: counters(), errors, samples });
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

send({ t: "loaded" });
