// Issue 12, faults: a host cut off from etcd for longer than its lease. Two
// agents in network namespaces (UDP backend, TTL 10 s renewed every 3 s);
// host b's way to etcd is black-holed for 20 s while a pings b across the
// overlay. b's lease expires in etcd, a drops b's route (its engine answers
// "net unreachable"), and once the cut heals b leases the same subnet again,
// a routes to it again and the pings are answered. The times are measured
// and bounded. Needs root, a running dockerd and `npm run build`.
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { CLI, type FaultsAgent } from "../helpers/faults-site.ts";
import { type FaultsEnv, hostCutOff, startFaultsEnv, startPair } from "../helpers/faults-scenarios.ts";

const TIMING = { ttlSeconds: 10, renewMarginSeconds: 7, retryIntervalSeconds: 1 };
const CUT_MS = 20_000;

let env: FaultsEnv;
let agents: [FaultsAgent, FaultsAgent];

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the fault tests need root: they create network namespaces and TUN devices");
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  env = await startFaultsEnv("f2-p");
  agents = await startPair(env.site, TIMING);
});

afterAll(async () => {
  await env?.teardown();
});

describe("a host cut off from etcd for longer than its lease", () => {
  it("loses its lease and its peer's route, then leases the same subnet again and traffic resumes", async () => {
    onTestFailed(() => {
      for (const agent of agents) console.log(`--- agent in ${agent.host.ns}:\n${agent.log()}`);
    });
    const report = await hostCutOff(env, agents, { timing: TIMING, cutMs: CUT_MS });
    console.log(JSON.stringify(report));
    const ttlMs = TIMING.ttlSeconds * 1000;
    // The lease runs out a TTL after b's last renewal (etcd checks expiries
    // every 500 ms), and a's watch removes the route at once.
    expect(report.removedAfterLastRenewalMs).toBeGreaterThanOrEqual(ttlMs - 1000);
    expect(report.removedAfterLastRenewalMs).toBeLessThan(ttlMs + 4000);
    expect(report.renewFailures).toBeGreaterThanOrEqual(1);
    // No route, no traffic: a's engine answers "net unreachable" instead.
    expect(report.repliesWhileRemoved).toBe(0);
    expect(report.unreachable).toBeGreaterThan(10);
    // Back: the same subnet, one lease, the route and the traffic within seconds.
    expect(report.sameSubnet).toBe(true);
    expect(report.subnetAfter).toBe(report.subnetBefore);
    expect(report.reacquiredAfterMs).toBeLessThan(15_000);
    expect(report.readdedAfterMs - report.reacquiredAfterMs).toBeLessThan(2000);
    expect(report.trafficAfterMs - report.readdedAfterMs).toBeLessThan(2000);
    expect(report.leasesForB).toBe(1);
    expect(report.alive).toEqual([true, true]);
  });
});
