// Issue 10, "a running agent survives a hostile lease value and keeps its
// overlay". Two agents in network namespaces (UDP backend, TUN devices, the
// kernel's ping across the overlay both ways) on a real etcd; then values no
// agent wrote go straight into etcd under the subnets prefix: a lease nested
// 20,000 levels deep (the value that used to kill every agent), one with a
// NUL in its address, one that is not UTF-8, one of the wrong
// shape, and a key that is no subnet. Both agents must stay up and healthy,
// skip each value with a warning that names the key, keep every ping, and
// still see a real lease change afterwards. Needs root, a running dockerd
// and `npm run build`.
import { existsSync } from "node:fs";
import { Etcd3 } from "etcd3";
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from "vitest";
import { CLI, type FaultsAgent, startPing } from "../helpers/faults-site.ts";
import { type FaultsEnv, startFaultsEnv, startPair } from "../helpers/faults-scenarios.ts";

let env: FaultsEnv;
let agents: [FaultsAgent, FaultsAgent];
let etcd: Etcd3;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("this test needs root: it creates network namespaces and TUN devices");
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  env = await startFaultsEnv("fhl");
  agents = await startPair(env.site);
  etcd = new Etcd3({ hosts: [...env.etcd.endpoints] });
}, 180_000);

afterAll(async () => {
  etcd?.close();
  await env?.teardown();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const overlayAddress = (subnet: string): string => subnet.replace(/\/\d+$/, "");

describe("an agent and hostile lease values in etcd", () => {
  it("skips each one with a warning naming its key, stays up and keeps its overlay", async () => {
    onTestFailed(() => {
      for (const agent of agents) console.log(`--- agent in ${agent.host.ns}:\n${agent.log()}`);
    });
    const [a, b] = agents;
    const subnets = `${env.site.etcdPrefix}/subnets/`;
    const hostile: readonly (readonly [string, Buffer])[] = [
      [`${subnets}10.5.201.0-24`, Buffer.from(`${'{"PublicIP":'.repeat(20_000)}1${"}".repeat(20_000)}`)],
      [`${subnets}10.5.202.0-24`, Buffer.from('{"PublicIP":"192.0.2.9\u0000","BackendType":"udp"}')],
      [`${subnets}10.5.203.0-24`, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
      [`${subnets}10.5.204.0-24`, Buffer.from('{"PublicIP":["192.0.2.9"],"BackendType":7}')],
      [`${subnets}not-a-subnet`, Buffer.from('{"PublicIP":"192.0.2.9"}')],
    ];
    const logLength = agents.map((x) => x.log().length);
    const ab = startPing(env.site.underlay, a.host.ns, overlayAddress(b.subnet()!));
    const ba = startPing(env.site.underlay, b.host.ns, overlayAddress(a.subnet()!));
    await sleep(1_000);
    for (const [key, value] of hostile) await etcd.put(key).value(value);

    // Each value that sits on a subnet key is skipped with a warning naming it.
    for (const [i, agent] of agents.entries()) {
      for (const [key] of hostile.slice(0, 4)) {
        const line = await agent.waitFor(new RegExp(`peer lease skipped: ${key.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} cannot be read: `), {
          after: logLength[i]!,
          timeoutMs: 15_000,
        });
        expect(line.level).toBe("WARN");
        // A short excerpt at most, never the whole value.
        expect(line.text.length).toBeLessThan(1_000);
      }
    }
    await sleep(2_000);
    expect(agents.map((x) => x.running)).toEqual([true, true]);
    expect(await Promise.all(agents.map((x) => x.healthz()))).toEqual([200, 200]);

    // A real change still gets through: a peer leased with a valid value
    // appears, and disappears again when its key goes.
    const realKey = `${subnets}10.5.210.0-24`;
    await etcd.put(realKey).value('{"PublicIP":"192.0.2.10","BackendType":"udp"}');
    for (const agent of agents) await agent.waitFor(/peer added: subnet 10\.5\.210\.0\/24 via PublicIP 192\.0\.2\.10/, { timeoutMs: 15_000 });
    await etcd.delete().key(realKey);
    for (const agent of agents) await agent.waitFor(/peer removed: subnet 10\.5\.210\.0\/24/, { timeoutMs: 15_000 });
    for (const [key] of hostile) await etcd.delete().key(key);

    const reports = [await ab.stop(), await ba.stop()];
    for (const report of reports) {
      expect(report.transmitted).toBeGreaterThan(20);
      expect(report.lost).toEqual([]);
      expect(report.unreachable).toBe(0);
    }
    expect(agents.map((x) => x.running)).toEqual([true, true]);
    for (const agent of agents) expect(agent.log()).not.toMatch(/internal error|RangeError|Maximum call stack|\n\s+at /);
  }, 120_000);
});
