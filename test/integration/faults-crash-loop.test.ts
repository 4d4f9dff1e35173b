// Issue 12, faults: crash loops, on the UDP backend and on VXLAN. The agent
// of host a (the built CLI, with --ip-masq so that it owns NAT rules too)
// is killed with SIGKILL as soon as it runs, 20 times, while host b's agent
// runs throughout; then it is started once more and stopped with SIGTERM.
// Every start gets the same subnet, reaches b across the overlay, holds
// exactly one lease and one device (TUN, or VXLAN with the lease's VtepMAC,
// the same every time, and one neighbour and one FDB entry for b); after
// the clean stop the namespace's iptables, ip6tables, links, routes,
// permanent neighbours and remote FDB entries are what they were before the
// first start. Needs root, a running dockerd and `npm run build`.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI } from "../helpers/faults-site.ts";
import { crashLoop, type CrashLoopReport, FAULTS_CONFIG, FAULTS_VXLAN_CONFIG, type FaultsEnv, startFaultsEnv } from "../helpers/faults-scenarios.ts";

const ROUNDS = 20;

// What one host's agent has while it runs, per backend.
const BACKENDS = [
  { backend: "udp", config: FAULTS_CONFIG, prefix: "f2-u", device: "flannel0:tun", entriesPerPeer: 0 },
  { backend: "vxlan", config: FAULTS_VXLAN_CONFIG, prefix: "f2-x", device: "flannel.1:vxlan", entriesPerPeer: 1 },
] as const;

describe.each(BACKENDS)(`the $backend backend: an agent killed with SIGKILL ${ROUNDS} times`, ({ backend, config, prefix, device, entriesPerPeer }) => {
  let env: FaultsEnv;
  let report: CrashLoopReport;

  beforeAll(async () => {
    if (process.getuid?.() !== 0) throw new Error("the fault tests need root: they create network namespaces and TUN devices");
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
    env = await startFaultsEnv(prefix, config);
    report = await crashLoop(env, { rounds: ROUNDS, args: ["--ip-masq"] });
    const times = report.rounds.map((r) => r.runningAfterMs).sort((x, y) => x - y);
    console.log(
      JSON.stringify({
        backend,
        rounds: report.rounds.length,
        runningAfterMs: { p50: times[Math.floor(times.length / 2)], max: times.at(-1) },
        etcdLeases: [report.etcdLeasesBefore, report.etcdLeasesAfter],
        vtepMacs: [...new Set(report.rounds.map((r) => r.vtepMac))],
      }),
    );
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it("gets the same subnet every time and reaches its peer", () => {
    expect(report.rounds).toHaveLength(ROUNDS + 1);
    const first = report.rounds[0]!.subnet;
    expect(first).toMatch(/^10\.5\.\d+\.0\/24$/);
    expect(report.rounds.map((r) => r.subnet)).toEqual(report.rounds.map(() => first));
    expect(report.rounds.map((r) => r.pingOk)).toEqual(report.rounds.map(() => true));
  });

  it("holds exactly one lease for its PublicIP, one device and one set of iptables rules while it runs", () => {
    expect(report.rounds.map((r) => r.leasesForHost)).toEqual(report.rounds.map(() => 1));
    // 3 forward rules and 7 masquerade rules (--ip-masq), never twice.
    expect(report.rounds.map((r) => r.iptablesRules)).toEqual(report.rounds.map(() => 10));
    for (const round of report.rounds) expect(round.links.filter((l) => /:(tun|vxlan)$/.test(l))).toEqual([device]);
    expect(report.leasesAtEnd.map((l) => l.publicIp).sort()).toEqual(["192.0.2.1", "192.0.2.2"]);
  });

  it("keeps its VtepMAC on the device and in the lease, with one neighbour and one FDB entry for its peer", () => {
    const first = report.rounds[0]!.vtepMac;
    if (backend === "vxlan") expect(first).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    else expect(first).toBeUndefined();
    expect(report.rounds.map((r) => [r.vtepMac, r.deviceMac])).toEqual(report.rounds.map(() => [first, first]));
    expect(report.rounds.map((r) => [r.neighbours, r.fdb])).toEqual(report.rounds.map(() => [entriesPerPeer, entriesPerPeer]));
  });

  it("never made its peer drop its route", () => {
    expect(report.peerRemoved).toBe(0);
  });

  it("leaves no device, iptables rule or chain, link, route, neighbour or FDB entry after a clean stop", () => {
    expect(report.finalExit).toBe(0);
    expect(report.after).toEqual(report.before);
    expect([report.after.neighbours, report.after.fdb]).toEqual(["", ""]);
  });

  it("leaves no orphaned etcd lease objects behind", () => {
    // Each start writes the lease again on a new etcd lease; the one it
    // replaced must not stay behind until its TTL (24 h): one per key.
    expect(report.etcdLeasesBefore).toBe(1);
    expect(report.etcdLeasesAfter).toBe(report.leasesAtEnd.length);
  });
});
