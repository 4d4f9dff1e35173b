// `flannel-ts demo --etcd-endpoints`: the two simulated hosts lease their
// subnets in a real etcd (flanneld's keys and values), ping each other, and
// leave no lease behind; a prefix holding another network is refused.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import command from "../../src/cli/commands/demo.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { type EtcdNode, startEtcd } from "../../src/testing/index.ts";

function capture(): { io: CliIo; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return { io: { out: (t) => (out += t), err: (t) => (err += t), env: {} }, out: () => out, err: () => err };
}

describe("flannel-ts demo --etcd-endpoints", () => {
  let etcd: EtcdNode | undefined;
  beforeAll(async () => {
    etcd = await startEtcd({ name: "demo-etcd" });
  });
  afterAll(() => etcd?.stop());

  it("leases in etcd under /atomic.io/network, pings both ways, and releases the leases", async () => {
    const c = capture();
    const code = await command.run(["--etcd-endpoints", etcd!.endpoints.join(","), "--count", "2", "--interval", "50"], c.io);
    expect(c.err()).toBe("");
    expect(code).toBe(0);
    const out = c.out();
    expect(out).toMatch(/^flannel-ts demo: two simulated hosts run the agent on one etcd \(http:\/\/127\.0\.0\.1:\d+\)/);
    const subnets = [...out.matchAll(/^\[node\d\] lease acquired: subnet (172\.20\.\d+\.0\/24) for PublicIP (127\.0\.0\.[12])/gm)].map((m) => [m[1], m[2]]);
    expect(subnets).toHaveLength(2);
    expect(subnets[0]![0]).not.toBe(subnets[1]![0]);
    expect(out.match(/^2 packets transmitted, 2 received, 0% packet loss/gm)).toHaveLength(2);

    const config = await etcd!.etcdctl(["get", "/atomic.io/network/config", "--print-value-only"]);
    expect(config.stdout.trim()).toMatch(/^\{"Network":"172\.20\.0\.0\/16"(,"Backend":\{"Type":"udp","Port":\d+\})?\}$/);
    const leases = await etcd!.etcdctl(["get", "--prefix", "/atomic.io/network/subnets/", "--keys-only"]);
    expect(leases.stdout.trim()).toBe("");
  });

  it("runs again on the config it left, with the same leases for the same seed", async () => {
    const run = async (): Promise<string[]> => {
      const c = capture();
      expect(await command.run(["--etcd-endpoints", etcd!.endpoints.join(","), "--count", "1", "--seed", "5", "--interval", "0"], c.io)).toBe(0);
      expect(c.out()).toMatch(/^\/atomic\.io\/network\/config already holds /m);
      return [...c.out().matchAll(/lease acquired: subnet (\S+)/g)].map((m) => m[1]!);
    };
    const first = await run();
    expect(await run()).toEqual(first);
  });

  it("refuses a prefix that holds another network, and writes nothing there", async () => {
    expect((await etcd!.etcdctl(["put", "/real/network/config", '{"Network":"10.5.0.0/16"}'])).exitCode).toBe(0);
    const c = capture();
    const code = await command.run(["--etcd-endpoints", etcd!.endpoints.join(","), "--etcd-prefix", "/real/network"], c.io);
    expect(code).toBe(1);
    expect(c.err()).toBe(
      'flannel-ts demo: /real/network/config holds another network config ({"Network":"10.5.0.0/16"}); the demo leases loopback or TEST-NET addresses and must not join a real network: give it an empty prefix (--etcd-prefix)\n',
    );
    const keys = await etcd!.etcdctl(["get", "--prefix", "/real/network/", "--keys-only"]);
    expect(keys.stdout.trim()).toBe("/real/network/config");
  });
});
