/**
 * Fault benchmark: the faults of issue 12 at full size, with real agents in
 * network namespaces (test/helpers/faults-scenarios.ts; the integration
 * tests run the same scenarios at CI size). Prints one machine-readable line
 * per run and exits 1 when a run broke what the tests assert.
 *
 *   npm run bench:faults -- [--rounds 100] [--backend udp --backend vxlan] [--outage-s 60] [--cut-s 60] [--only crash-loop|outage|partition]
 *
 * Needs root, a running dockerd (etcd runs in the test kit's container) and
 * the built CLI (the npm script builds first). Run it under the shared lock:
 * flock /tmp/flannel-ts-root.lock npm run bench:faults -- ...
 */
import { parseArgs } from "node:util";
import {
  crashLoop,
  etcdOutage,
  FAULTS_CONFIG,
  FAULTS_VXLAN_CONFIG,
  type FaultsEnv,
  hostCutOff,
  type OutageMode,
  startFaultsEnv,
  startPair,
} from "../../test/helpers/faults-scenarios.ts";

const USAGE = `usage: npm run bench:faults -- [--rounds N] [--backend udp|vxlan]... [--outage-s S] [--cut-s S] [--only crash-loop|outage|partition]...
  --rounds N     SIGKILL restarts in the crash loop (default 100)
  --backend B    crash-loop backend, repeatable (default udp and vxlan)
  --outage-s S   etcd outage, once stopped and once black-holed (default 60; the TTL is twice that)
  --cut-s S      one host cut off from etcd; its TTL is half of it (default 60)
  --only F       run only these faults, repeatable (default all three)
`;

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "100" },
    backend: { type: "string", multiple: true },
    "outage-s": { type: "string", default: "60" },
    "cut-s": { type: "string", default: "60" },
    only: { type: "string", multiple: true },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const positive = (flag: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`bench:faults: --${flag} must be a positive whole number, got "${text}"\n\n${USAGE}`);
    process.exit(2);
  }
  return n;
};
const rounds = positive("rounds", values.rounds);
const outageS = positive("outage-s", values["outage-s"]);
const cutS = positive("cut-s", values["cut-s"]);
const backends = values.backend ?? ["udp", "vxlan"];
const only = new Set(values.only ?? ["crash-loop", "outage", "partition"]);
for (const b of backends) if (b !== "udp" && b !== "vxlan") throw new Error(`bench:faults: --backend must be udp or vxlan, got "${b}"`);
if (process.getuid?.() !== 0) throw new Error("bench:faults needs root: it creates network namespaces, TUN and VXLAN devices");

const log = (line: string): void => void process.stderr.write(`[faults] ${line}\n`);
const percentile = (xs: readonly number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? Number.NaN;
let failed = false;
const emit = (fields: Record<string, string | number | boolean>, ok: boolean): void => {
  failed ||= !ok;
  process.stdout.write(`${
    Object.entries({ ...fields, check: ok ? "pass" : "fail" })
      .map(([k, v]) => `${k}=${v}`)
      .join(" ")
  }\n`);
};

async function withEnv(prefix: string, config: string, run: (env: FaultsEnv) => Promise<void>): Promise<void> {
  const env = await startFaultsEnv(prefix, config);
  try {
    await run(env);
  } finally {
    await env.teardown();
  }
}

if (only.has("crash-loop")) {
  for (const backend of backends) {
    log(`crash loop on ${backend}: ${rounds} SIGKILL restarts`);
    await withEnv(`f2-b${backend[0]}`, backend === "vxlan" ? FAULTS_VXLAN_CONFIG : FAULTS_CONFIG, async (env) => {
      const started = Date.now();
      const r = await crashLoop(env, { rounds, args: ["--ip-masq"] });
      const times = r.rounds.map((x) => x.runningAfterMs);
      const subnets = new Set(r.rounds.map((x) => x.subnet)).size;
      const macs = new Set(r.rounds.map((x) => x.vtepMac)).size;
      const pingsFailed = r.rounds.filter((x) => !x.pingOk).length;
      const extraLeases = r.rounds.filter((x) => x.leasesForHost !== 1).length;
      const leftover = JSON.stringify(r.after) !== JSON.stringify(r.before);
      emit(
        {
          fault: "crash-loop",
          backend,
          rounds,
          subnets,
          vtep_macs: macs,
          pings_failed: pingsFailed,
          rounds_not_one_lease: extraLeases,
          iptables_rules: [...new Set(r.rounds.map((x) => x.iptablesRules))].join("/"),
          running_p50_ms: percentile(times, 0.5),
          running_p99_ms: percentile(times, 0.99),
          running_max_ms: Math.max(...times),
          peer_removed: r.peerRemoved,
          etcd_leases_before: r.etcdLeasesBefore,
          etcd_leases_after: r.etcdLeasesAfter,
          leftover_after_stop: leftover,
          total_s: Math.round((Date.now() - started) / 1000),
        },
        subnets === 1 && macs === 1 && pingsFailed === 0 && extraLeases === 0 && r.peerRemoved === 0 && !leftover && r.finalExit === 0 &&
          r.etcdLeasesAfter === r.leasesAtEnd.length,
      );
    });
  }
}

if (only.has("outage")) {
  const timing = { ttlSeconds: 2 * outageS, renewMarginSeconds: 2 * outageS - 3, retryIntervalSeconds: 1 };
  for (const mode of ["etcd-stopped", "blackhole"] as OutageMode[]) {
    log(`etcd outage (${mode}) of ${outageS} s`);
    await withEnv("f2-bo", FAULTS_CONFIG, async (env) => {
      const agents = await startPair(env.site, timing);
      const r = await etcdOutage(env, agents, { mode, outageMs: outageS * 1000 });
      const lost = r.ping.ab.lost.length + r.ping.ba.lost.length;
      emit(
        {
          fault: "etcd-outage",
          mode,
          outage_s: outageS,
          ttl_s: timing.ttlSeconds,
          pings: r.ping.ab.transmitted + r.ping.ba.transmitted,
          pings_lost: lost,
          renew_failed: r.renewFailures.join("/"),
          renewed_after_ms: r.renewedAfterMs.join("/"),
          healthz_bad: r.healthz.map((h) => h.bad).join("/"),
          leases_lost: r.leasesLost.join("/"),
          leases_before: r.leasesBefore.length,
          leases_after: r.leasesAfter.length,
          leases_same: JSON.stringify(r.leasesAfter) === JSON.stringify(r.leasesBefore),
          routes_unchanged: r.routesUnchanged,
        },
        lost === 0 && r.alive.every(Boolean) && r.healthz.every((h) => h.bad === 0) && JSON.stringify(r.leasesAfter) === JSON.stringify(r.leasesBefore) && r.routesUnchanged,
      );
    });
  }
}

if (only.has("partition")) {
  const ttl = Math.max(4, Math.floor(cutS / 2));
  const timing = { ttlSeconds: ttl, renewMarginSeconds: ttl - 3, retryIntervalSeconds: 1 };
  log(`one host cut off from etcd for ${cutS} s, TTL ${ttl} s`);
  await withEnv("f2-bp", FAULTS_CONFIG, async (env) => {
    const agents = await startPair(env.site, timing);
    const r = await hostCutOff(env, agents, { timing, cutMs: cutS * 1000 });
    emit(
      {
        fault: "host-cut-off",
        cut_s: cutS,
        ttl_s: ttl,
        removed_after_last_renewal_ms: r.removedAfterLastRenewalMs,
        reacquired_after_ms: r.reacquiredAfterMs,
        readded_after_ms: r.readdedAfterMs,
        traffic_after_ms: r.trafficAfterMs,
        same_subnet: r.sameSubnet,
        replies_while_removed: r.repliesWhileRemoved,
        renew_failed: r.renewFailures,
        leases_for_host: r.leasesForB,
      },
      r.sameSubnet && r.repliesWhileRemoved === 0 && r.leasesForB === 1 && r.alive.every(Boolean) && Number.isFinite(r.trafficAfterMs),
    );
  });
}

process.exit(failed ? 1 : 0);
