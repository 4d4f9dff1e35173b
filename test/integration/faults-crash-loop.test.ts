// Issue 12, faults: crash loops. The agent of host a (the built CLI, with
// --ip-masq so that it owns NAT rules too) is killed with SIGKILL as soon as
// it runs, 20 times, while host b's agent runs throughout; then it is
// started once more and stopped with SIGTERM. Every start gets the same
// subnet, reaches b across the overlay, holds exactly one lease and one TUN
// device; after the clean stop the namespace's iptables, ip6tables, links
// and routes are what they were before the first start. Needs root, a
// running dockerd and `npm run build`.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../helpers/faults-site.ts";
import { crashLoop, startFaultsEnv, type CrashLoopReport, type FaultsEnv } from "../helpers/faults-scenarios.ts";

const ROUNDS = 20;

let env: FaultsEnv;
let report: CrashLoopReport;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the fault tests need root: they create network namespaces and TUN devices");
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  env = await startFaultsEnv("ffc");
  report = await crashLoop(env, { rounds: ROUNDS, args: ["--ip-masq"] });
  const times = report.rounds.map((r) => r.runningAfterMs).sort((x, y) => x - y);
  console.log(JSON.stringify({ rounds: report.rounds.length, runningAfterMs: { p50: times[Math.floor(times.length / 2)], max: times.at(-1) }, etcdLeases: [report.etcdLeasesBefore, report.etcdLeasesAfter] }));
});

afterAll(async () => {
  await env?.teardown();
});

describe(`an agent killed with SIGKILL ${ROUNDS} times`, () => {
  it("gets the same subnet every time and reaches its peer", () => {
    expect(report.rounds).toHaveLength(ROUNDS + 1);
    const first = report.rounds[0]!.subnet;
    expect(first).toMatch(/^10\.5\.\d+\.0\/24$/);
    expect(report.rounds.map((r) => r.subnet)).toEqual(report.rounds.map(() => first));
    expect(report.rounds.map((r) => r.pingOk)).toEqual(report.rounds.map(() => true));
  });

  it("holds exactly one lease for its PublicIP, one TUN device and one set of iptables rules while it runs", () => {
    expect(report.rounds.map((r) => r.leasesForHost)).toEqual(report.rounds.map(() => 1));
    // 3 forward rules and 7 masquerade rules (--ip-masq), never twice.
    expect(report.rounds.map((r) => r.iptablesRules)).toEqual(report.rounds.map(() => 10));
    for (const round of report.rounds) expect(round.links.filter((l) => l.endsWith(":tun"))).toEqual(["flannel0:tun"]);
    expect(report.leasesAtEnd.map((l) => l.publicIp).sort()).toEqual(["192.0.2.1", "192.0.2.2"]);
  });

  it("never made its peer drop its route", () => {
    expect(report.peerRemoved).toBe(0);
  });

  it("leaves no TUN device, iptables rule or chain, link or route after a clean stop", () => {
    expect(report.finalExit).toBe(0);
    expect(report.after).toEqual(report.before);
  });

  it("leaves no orphaned etcd lease objects behind", () => {
    // Each start writes the lease again on a new etcd lease; the one it
    // replaced must not stay behind until its TTL (24 h): one per key.
    expect(report.etcdLeasesBefore).toBe(1);
    expect(report.etcdLeasesAfter).toBe(report.leasesAtEnd.length);
  });
});
