// The scale benchmark's phases: start etcd and the workers, acquire, converge,
// time fan-out, measure the steady state, inject faults, check, report.
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, release, totalmem } from "node:os";
import { Etcd3Registry } from "../../src/etcd/etcd3-registry.ts";
import type { Registry } from "../../src/etcd/registry.ts";
import { takenSubnets } from "../../src/flannel/lease-acquire.ts";
import { createSubnetAllocator } from "../../src/subnet/allocate-subnet.ts";
import { formatIp, parseIp4 } from "../../src/subnet/ip.ts";
import { type NetworkConfig, parseNetworkConfig } from "../../src/subnet/network-config.ts";
import { type Random, seededRandom } from "../../src/subnet/random.ts";
import { formatSubnetKey, type SubnetKey } from "../../src/subnet/subnet-key.ts";
import { type EtcdLoad, etcdLoad } from "./etcd-load.ts";
import { fetchText, type LocalEtcdCluster, startLocalEtcdCluster } from "./local-etcd-cluster.ts";
import { summarize } from "./percentiles.ts";
import { parsePrometheusText, type Sample } from "./prometheus-text.ts";
import { type HostCounters, wallNow } from "./protocol.ts";
import type { FieldValue } from "./result-line.ts";
import { type Fault, type ScaleOptions, workerCount } from "./scale-args.ts";
import { checkStep, type StepReport } from "./step-check.ts";
import { within, WorkerPool } from "./worker-pool.ts";

/** flanneld's default prefix. */
const PREFIX = "/coreos.com/network";

/** Where the run reports to, and how it hands its cleanups to a process that may be interrupted. */
export interface RunContext {
  /** Progress, to stderr. */
  readonly log: (line: string) => void;
  /** The report, to stdout. */
  readonly print: (line: string) => void;
  /** Registers a synchronous cleanup for an interrupted process (SIGINT, time limit). */
  readonly onCleanup: (cleanup: () => void) => void;
}

/** A finished run. */
export interface ScaleResult {
  /** The machine-readable line's fields. */
  readonly fields: readonly (readonly [string, FieldValue])[];
  /** Bounds broken (what --check fails on). */
  readonly failures: readonly string[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * Runs the benchmark once.
 *
 * @param o the options
 * @param ctx log, print, cleanup registration
 * @returns the fields of the result line and the broken bounds
 */
export async function runScale(o: ScaleOptions, ctx: RunContext): Promise<ScaleResult> {
  const { log, print } = ctx;
  const workers = workerCount(o);
  const machine = `${availableParallelism()} CPUs (${cpus()[0]?.model.trim() ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB, Linux ${release()}, Node.js ${process.version}`;
  log(`machine: ${machine}; load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} (other work on the machine slows every figure)`);
  log(`starting ${o.etcdNodes} etcd member(s) as local processes`);
  const cluster = await startLocalEtcdCluster({ size: o.etcdNodes, ...(o.etcdImage === undefined ? {} : { image: o.etcdImage }), keep: o.keep, log });
  ctx.onCleanup(() => cluster.destroySync());
  log(`${cluster.version} at ${cluster.endpoints.join(",")} (data and logs in ${cluster.dir})`);
  const admin = new Etcd3Registry({ endpoints: cluster.endpoints, prefix: PREFIX, ownConnections: true });
  const probeSeen = new Map<string, number[]>();
  let fatal: string | undefined;
  const pool = new WorkerPool(
    workers,
    (probe, times) => {
      const list = probeSeen.get(probe);
      if (list !== undefined) list.push(...times);
    },
    (message) => {
      fatal ??= message;
      log(`worker failed: ${message}`);
    },
  );
  ctx.onCleanup(() => pool.killSync());
  try {
    return await phases();
  } finally {
    log("stopping the workers and etcd");
    await pool.stop().catch(() => undefined);
    await admin.close();
    await cluster.destroy();
  }

  async function phases(): Promise<ScaleResult> {
    const configText = JSON.stringify({ Network: o.network, SubnetLen: 24, Backend: { Type: "udp" } });
    const put = await admin.putConfig(configText, { overwrite: true });
    if (put.isErr()) throw new Error(`writing the network config: ${put.error.message}`);
    const config = parseNetworkConfig(configText)._unsafeUnwrap();
    const baselines = await pool.setup(o.hosts, {
      endpoints: cluster.endpoints,
      prefix: PREFIX,
      ttlSeconds: o.ttlSeconds,
      renewMarginSeconds: o.renewMarginSeconds,
      retrySeconds: o.retrySeconds,
      shareConnections: o.shareConnections,
      seed: o.seed,
      library: o.fromSources ? "src" : "dist",
    });
    const failures: string[] = [];
    let maxDuplicates = 0;
    let lastCounters: HostCounters = { renewed: 0, renewFailed: 0, lost: 0, reacquired: 0, reacquireFailed: 0, watchErrors: 0 };

    // Reads etcd and every host; remembers the worst duplicate count seen.
    const step = async (): Promise<StepReport | undefined> => {
      const listing = await admin.listLeases();
      if (listing.isErr()) return undefined;
      const status = await pool.status();
      lastCounters = status.counters;
      const report = checkStep(
        status.hosts,
        listing.value.leases.map((l) => ({ key: l.key, value: l.value, publicIp: formatIp(l.attrs.publicIp) })),
      );
      maxDuplicates = Math.max(maxDuplicates, report.duplicates);
      return report;
    };
    const waitInStep = async (since: number, timeoutMs: number): Promise<number> => {
      const end = Date.now() + timeoutMs;
      let last: StepReport | undefined;
      while (Date.now() < end) {
        last = await step();
        if (last?.inStep === true) return wallNow() - since;
        await sleep(250);
      }
      throw new Error(`hosts not in step after ${Math.round(timeoutMs / 1000)} s: ${JSON.stringify(last ?? "etcd did not answer")}`);
    };

    // Acquisition: every host at once, as after a power cut.
    log(
      `${o.hosts} hosts in ${workers} worker process(es), ${
        o.shareConnections ? "sharing connections within a worker" : "one client and connections of its own per host"
      }; acquiring, ${o.rampSeconds === 0 ? "all at once" : `starting over ${o.rampSeconds} s`}`,
    );
    const acquireStart = wallNow();
    let cpuMark = machineCpu();
    const progress = setInterval(() => {
      void Promise.all([pool.status(9_000), pool.usage(9_000)])
        .then(([s, u]) => {
          const cpu = machineCpu();
          const busy = (100 * (cpu.busy - cpuMark.busy)) / Math.max(1, cpu.total - cpuMark.total);
          cpuMark = cpu;
          log(
            `  ${((wallNow() - acquireStart) / 1000).toFixed(0)} s: ${s.hosts.filter((h) => h.key !== null).length} of ${o.hosts} hold a lease; machine CPU ${
              busy.toFixed(0)
            }% busy; worker loop delay p99 ${Math.max(...u.map((x) => x.loopP99Ms)).toFixed(0)} ms, max ${Math.max(...u.map((x) => x.loopMaxMs)).toFixed(0)} ms; failures ${
              JSON.stringify(s.errors)
            }`,
          );
        })
        .catch(() => undefined);
    }, 10_000);
    const acquired = await pool.acquire(o.hosts, o.rampSeconds, o.rampSeconds * 1000 + 300_000).finally(() => clearInterval(progress));
    const acquireAllMs = wallNow() - acquireStart;
    const failed = acquired.filter((a) => a.error !== undefined);
    for (const f of failed.slice(0, 5)) log(`host ${f.index} got no lease: ${f.error}`);
    if (failed.length > 0) failures.push(`${failed.length} hosts got no lease`);
    const acquire = summarize(acquired.filter((a) => a.error === undefined).map((a) => a.ms));
    const retried = acquired.filter((a) => a.attempts > 1).length;
    const restarted = acquired.filter((a) => a.restarts > 0).length;
    const watching = acquired.length - failed.length;
    const convergeMs = await waitInStep(acquireStart, 180_000);
    log(
      `acquired: p50 ${acquire.p50.toFixed(0)} ms, p99 ${acquire.p99.toFixed(0)} ms, all ${
        acquireAllMs.toFixed(0)
      } ms (${retried} retried a lost race or a failed request, ${restarted} started again after a failed start); every host sees every other after ${convergeMs.toFixed(0)} ms`,
    );

    // Fan-out: a lease created and deleted by a host that is not among the N.
    const random = seededRandom(o.seed ^ 0x5eed);
    const fanout: number[] = [];
    const deliveries: number[] = [];
    let missed = 0;
    log(`fan-out: ${o.fanoutRounds} leases created and deleted`);
    for (let r = 0; r < o.fanoutRounds; r++) {
      const probe = await probeChange(admin, config, random, r, watching, probeSeen, pool, 30_000);
      for (const c of probe) {
        if (c.times.length < watching) missed += watching - c.times.length;
        deliveries.push(...c.times);
        fanout.push(c.times.length === 0 ? Number.NaN : Math.max(...c.times));
      }
      await sleep(250);
    }
    const fan = summarize(fanout.filter((x) => !Number.isNaN(x)));
    const deliver = summarize(deliveries);
    log(
      `fan-out to all ${watching}: p50 ${fan.p50.toFixed(1)} ms, p99 ${fan.p99.toFixed(1)} ms; single deliveries p50 ${deliver.p50.toFixed(1)} ms, p99 ${
        deliver.p99.toFixed(1)
      } ms; missed ${missed}`,
    );

    // Steady state: renewals and watches only.
    log(`steady state for ${o.steadySeconds} s (each host renews every ${o.ttlSeconds - o.renewMarginSeconds} s)`);
    await pool.usage();
    const m0 = await readMetrics(cluster);
    const c0 = (await pool.status()).counters;
    const steadyStart = wallNow();
    const steadyEnd = Date.now() + o.steadySeconds * 1000;
    let lastReport = Date.now();
    while (Date.now() < steadyEnd) {
      await sleep(Math.min(5_000, Math.max(0, steadyEnd - Date.now())));
      await step();
      if (Date.now() - lastReport >= 30_000) {
        lastReport = Date.now();
        const s = await pool.status();
        log(`  steady ${((wallNow() - steadyStart) / 1000).toFixed(0)} s: renewed ${s.counters.renewed - c0.renewed}; failures so far ${JSON.stringify(s.errors)}`);
      }
    }
    const steadySeconds = (wallNow() - steadyStart) / 1000;
    const m1 = await readMetrics(cluster);
    const usage = await pool.usage();
    const c1 = (await pool.status()).counters;
    const load = etcdLoad(m0, m1, steadySeconds);
    const renewalsPerSecond = (c1.renewed - c0.renewed) / steadySeconds;
    const clientCpu = (usage.reduce((s, u) => s + u.cpuSeconds, 0) / steadySeconds) * 100;
    const rssBytes = usage.reduce((s, u) => s + u.rssBytes, 0);
    const perHostKiB = (rssBytes - baselines.reduce((s, b) => s + b.rssBytes, 0)) / 1024 / Math.max(1, o.hosts);
    const loopP99 = Math.max(...usage.map((u) => u.loopP99Ms));
    printSteady(print, load, renewalsPerSecond, clientCpu, rssBytes, perHostKiB, loopP99);

    // The watches still work after the steady phase: one more change reaches every host.
    const after = await probeChange(admin, config, random, 500, watching, probeSeen, pool, 60_000);
    const missedAfter = after.reduce((n, c) => n + Math.max(0, watching - c.times.length), 0);
    const failuresNow = await pool.status();
    log(
      `after the steady phase: a lease change reached ${Math.min(...after.map((c) => c.times.length))} of ${watching} hosts; failures so far ${JSON.stringify(failuresNow.errors)}`,
    );
    for (const [k, m] of Object.entries(failuresNow.samples)) log(`  last ${k}: ${m}`);
    if (missedAfter > 0) failures.push(`${missedAfter} deliveries missed after the steady phase`);

    // Faults.
    const faultFields: [string, FieldValue][] = [];
    for (const fault of o.faults) faultFields.push(...(await injectFault(fault)));

    const final = await step();
    if (final?.inStep !== true) failures.push(`not in step at the end: ${JSON.stringify(final)}`);
    const lost = lastCounters.lost;
    if (maxDuplicates > 0) failures.push(`${maxDuplicates} duplicate leases`);
    if (lost > 0) failures.push(`${lost} leases lost`);
    if (missed > 0) failures.push(`${missed} fan-out deliveries missed`);
    if (!(fan.p99 <= o.maxFanoutP99Ms)) failures.push(`fan-out p99 ${fan.p99.toFixed(0)} ms over ${o.maxFanoutP99Ms} ms`);
    if (fatal !== undefined) failures.push(`a worker failed: ${fatal.split("\n")[0]}`);

    const fields: [string, FieldValue][] = [
      ["hosts", o.hosts],
      ["etcd_nodes", o.etcdNodes],
      ["duplicates", maxDuplicates],
      ["lost", lost],
      ["acquire_p50_ms", round1(acquire.p50)],
      ["acquire_p99_ms", round1(acquire.p99)],
      ["fanout_p50_ms", round1(fan.p50)],
      ["fanout_p99_ms", round1(fan.p99)],
      ["rss_mb", round1(rssBytes / 2 ** 20)],
      ["workers", workers],
      ["connections", o.shareConnections ? "shared" : "per-host"],
      ["ttl_s", o.ttlSeconds],
      ["renew_every_s", o.ttlSeconds - o.renewMarginSeconds],
      ["ramp_s", o.rampSeconds],
      ["acquire_failed", failed.length],
      ["acquire_retried", retried],
      ["acquire_restarted", restarted],
      ["acquire_all_ms", round1(acquireAllMs)],
      ["converge_ms", round1(convergeMs)],
      ["fanout_changes", fanout.length],
      ["fanout_missed", missed],
      ["final_missed", missedAfter],
      ["deliver_p50_ms", round1(deliver.p50)],
      ["deliver_p99_ms", round1(deliver.p99)],
      ["renewals_per_s", round1(renewalsPerSecond)],
      ["renew_failed", lastCounters.renewFailed],
      ["etcd_req_per_s", round1(load.requestsPerSecond)],
      ["etcd_watch_msgs_per_s", round1(load.watchMessagesPerSecond)],
      ["etcd_rx_kib_per_s", round1(load.receivedKiBps)],
      ["etcd_tx_kib_per_s", round1(load.sentKiBps)],
      ["etcd_cpu_pct", round1(load.cpuPercent)],
      ["etcd_rss_mb", round1(load.rssMiB)],
      ["etcd_watch_streams", load.watchStreams],
      ["etcd_watchers", load.watchers],
      ["etcd_slow_watchers", load.slowWatchers],
      ["etcd_db_mb", round1(load.dbMiB)],
      ["etcd_leader_changes", load.leaderChanges],
      ["client_cpu_pct", round1(clientCpu)],
      ["loop_p99_ms", round1(loopP99)],
      ["per_host_kb", round1(perHostKiB)],
      ...faultFields,
      ["check", failures.length === 0 ? "pass" : "fail"],
    ];
    return { fields, failures };

    async function injectFault(fault: Fault): Promise<[string, FieldValue][]> {
      const before = lastCounters;
      const dupBefore = maxDuplicates;
      if (fault.kind === "leader-kill") {
        const leader = await cluster.leader();
        log(`fault: SIGKILL the etcd leader ${leader.name}`);
        const killedAt = wallNow();
        await cluster.kill(leader);
        // A change made after the kill has to reach every host: every watch works again.
        const seen = await probeChange(admin, config, random, 1_000, watching, probeSeen, pool, 120_000);
        const recoverMs = Math.max(await waitInStep(killedAt, 120_000), ...seen.map((c) => Math.max(...c.times) + (c.at - killedAt)));
        log(`fault: back in step ${recoverMs.toFixed(0)} ms after the kill; starting ${leader.name} again`);
        const startedAt = wallNow();
        await cluster.start([leader]);
        const rejoinMs = await waitInStep(startedAt, 120_000);
        const after = lastCounters;
        log(
          `fault: ${leader.name} back; in step ${rejoinMs.toFixed(0)} ms after its start; lost ${after.lost - before.lost}, renewals failed ${
            after.renewFailed - before.renewFailed
          }`,
        );
        return [
          ["leader_kill_recover_ms", round1(recoverMs)],
          ["leader_kill_lost", after.lost - before.lost],
          ["leader_kill_duplicates", Math.max(0, maxDuplicates - dupBefore)],
          ["leader_rejoin_ms", round1(rejoinMs)],
        ];
      }
      log(`fault: stopping all ${o.etcdNodes} etcd members for ${fault.seconds} s`);
      await cluster.stopAll();
      await sleep(fault.seconds * 1000);
      const startedAt = wallNow();
      await cluster.start();
      log("fault: etcd started again");
      const seen = await probeChange(admin, config, random, 2_000, watching, probeSeen, pool, 120_000);
      const recoverMs = Math.max(await waitInStep(startedAt, 120_000), ...seen.map((c) => Math.max(...c.times) + (c.at - startedAt)));
      const after = lastCounters;
      log(`fault: back in step ${recoverMs.toFixed(0)} ms after etcd started again; lost ${after.lost - before.lost}, renewals failed ${after.renewFailed - before.renewFailed}`);
      return [
        ["cluster_stop_s", fault.seconds],
        ["cluster_stop_recover_ms", round1(recoverMs)],
        ["cluster_stop_lost", after.lost - before.lost],
        ["cluster_stop_duplicates", Math.max(0, maxDuplicates - dupBefore)],
        ["cluster_stop_renew_failed", after.renewFailed - before.renewFailed],
      ];
    }
  }
}

/** One probe change as the hosts saw it: delivery times relative to the write's start. */
interface ProbeChange {
  readonly name: string;
  /** When the write began (wall clock). */
  readonly at: number;
  readonly times: readonly number[];
}

// Creates a lease for a host outside the N (PublicIP in 198.19.0.0/16) on a
// free subnet, waits until every watching host has seen it, deletes it, and
// waits again. Writes are retried (every 250 ms) while etcd has no leader.
async function probeChange(
  admin: Registry,
  config: NetworkConfig,
  random: Random,
  round: number,
  watching: number,
  seen: Map<string, number[]>,
  pool: WorkerPool,
  timeoutMs: number,
): Promise<ProbeChange[]> {
  const n = round + 1;
  const publicIp = parseIp4(`198.19.${Math.floor(n / 256) % 256}.${n % 256}`)._unsafeUnwrap();
  const end = Date.now() + timeoutMs;
  const retry = async <T>(what: string, attempt: () => Promise<T | undefined>): Promise<T> => {
    for (;;) {
      const value = await attempt();
      if (value !== undefined) return value;
      if (Date.now() > end) throw new Error(`${what}: etcd did not take it within ${Math.round(timeoutMs / 1000)} s`);
      await sleep(250);
    }
  };
  const subnet = await retry("listing the leases", async () => {
    const listing = await admin.listLeases();
    return listing.isErr() ? undefined : createSubnetAllocator(config, takenSubnets(listing.value)).pick(random).unwrapOr(undefined);
  });
  const key: SubnetKey = { ipv4: subnet.ipv4 ?? bug("no IPv4 subnet picked") };
  const name = `${PREFIX}/subnets/${formatSubnetKey(key)}`;
  const changes: ProbeChange[] = [];
  const observe = async (kind: "added" | "removed", write: () => Promise<boolean>): Promise<void> => {
    const probe = `${kind} ${name}`;
    seen.set(probe, []);
    const at = wallNow();
    await retry(probe, async () => ((await write()) ? true : undefined));
    const deadline = Date.now() + Math.max(5_000, end - Date.now());
    while ((seen.get(probe)?.length ?? 0) < watching && Date.now() < deadline) await sleep(5);
    if ((seen.get(probe)?.length ?? 0) < watching) {
      pool.flushProbe(probe);
      await sleep(1_000);
    }
    changes.push({ name: probe, at, times: (seen.get(probe) ?? []).map((t) => t - at) });
    seen.delete(probe);
  };
  await observe("added", async () => (await admin.createLease(key, { publicIp }, { ttlSeconds: 600 })).isOk());
  await observe("removed", async () => (await admin.deleteLease(key)).isOk());
  return changes;
}

function bug(what: string): never {
  throw new Error(`bug: ${what}`);
}

async function readMetrics(cluster: LocalEtcdCluster): Promise<(Sample[] | undefined)[]> {
  return within(
    Promise.all(
      cluster.members.map(async (
        m,
      ) => (m.pid === undefined ? undefined : ((t) => (t === undefined ? undefined : parsePrometheusText(t)))(await fetchText(`${m.clientUrl}/metrics`, 10_000)))),
    ),
    15_000,
    "reading etcd's metrics",
  );
}

// Jiffies since boot over all CPUs, from /proc/stat: busy (not idle, not iowait) and total.
function machineCpu(): { busy: number; total: number } {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

function printSteady(print: (line: string) => void, load: EtcdLoad, renewals: number, clientCpu: number, rss: number, perHostKiB: number, loopP99: number): void {
  print(`steady state: ${renewals.toFixed(1)} renewals/s`);
  print(`  etcd: ${load.requestsPerSecond.toFixed(1)} requests/s (${load.byMethod.map(([m, r]) => `${m} ${r.toFixed(1)}`).join(", ")})`);
  print(`  etcd: ${load.watchMessagesPerSecond.toFixed(1)} watch messages/s on ${load.watchStreams} streams with ${load.watchers} watchers (${load.slowWatchers} slow)`);
  print(
    `  etcd: clients ${load.receivedKiBps.toFixed(1)} KiB/s in, ${load.sentKiBps.toFixed(1)} KiB/s out; peers ${load.peerSentKiBps.toFixed(1)} KiB/s; CPU ${
      load.cpuPercent.toFixed(0)
    }% of a core; RSS ${load.rssMiB.toFixed(0)} MiB; db ${load.dbMiB.toFixed(1)} MiB; leader changes ${load.leaderChanges}`,
  );
  print(`  hosts: CPU ${clientCpu.toFixed(0)}% of a core, RSS ${(rss / 2 ** 20).toFixed(0)} MiB (${perHostKiB.toFixed(0)} KiB per host), event loop p99 ${loopP99.toFixed(1)} ms`);
}
