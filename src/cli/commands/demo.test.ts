import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import type { CliIo } from "../io.ts";
import { main } from "../main.ts";
import command from "./demo.ts";

function capture(env: CliIo["env"] = {}): { io: CliIo; out: () => string; err: () => string } {
  let out = "";
  let err = "";
  return {
    io: { out: (t) => (out += t), err: (t) => (err += t), env },
    out: () => out,
    err: () => err,
  };
}

describe("flannel-ts demo", () => {
  it("runs the demo on the in-memory store and exits 0 when every ping got its reply", async () => {
    const c = capture();
    const code = await command.run(["--count", "2", "--seed", "7", "--interval", "10"], c.io);
    expect(c.err()).toBe("");
    expect(code).toBe(0);
    const out = c.out();
    expect(out).toMatch(/^flannel-ts demo: two simulated hosts run the agent on one in-memory store/);
    expect(out.match(/^ {2}FLANNEL_SUBNET=172\.20\.\d+\.1\/24$/gm)).toHaveLength(2);
    expect(out.match(/^64 bytes from 172\.20\.\d+\.2: icmp_seq=\d ttl=62 time=[\d.]+ ms$/gm)).toHaveLength(4);
    expect(out.match(/^2 packets transmitted, 2 received, 0% packet loss, time \d+ms$/gm)).toHaveLength(2);
    expect(out).toMatch(/\[node2\] stopped cleanly\n$/);
  });

  it("gives the same leases for the same --seed", async () => {
    const leases = async (): Promise<string[]> => {
      const c = capture();
      expect(await command.run(["--count", "1", "--seed", "11", "--interval", "0"], c.io)).toBe(0);
      return [...c.out().matchAll(/^\[node\d\] lease acquired: subnet (\S+)/gm)].map((m) => m[1]!);
    };
    const first = await leases();
    expect(first).toHaveLength(2);
    expect(await leases()).toEqual(first);
  });

  it.each([
    [["--count", "0"], 2, 'flannel-ts demo: --count: "0" is out of range: give from 1 to 100\n'],
    [["--count", "three"], 2, 'flannel-ts demo: --count: "three" is not an integer\n'],
    [["--seed=-1"], 2, 'flannel-ts demo: --seed: "-1" is out of range: give from 0 to 4294967295\n'],
    [["--interval", "1.5"], 2, 'flannel-ts demo: --interval: "1.5" is not an integer\n'],
    [["--etcd-prefix", "/x"], 2, "flannel-ts demo: --etcd-prefix needs --etcd-endpoints: without it the demo uses its in-memory store\n"],
    [["--etcd-username", "root"], 2, "flannel-ts demo: --etcd-username needs --etcd-endpoints: without it the demo uses its in-memory store\n"],
    [
      ["--etcd-endpoints", "127.0.0.1:2379"],
      2,
      'flannel-ts demo: --etcd-endpoints: "127.0.0.1:2379" has an endpoint without http:// or https:// in front; give comma-separated URLs such as http://127.0.0.1:2379\n',
    ],
    [["--bogus"], 2, 'flannel-ts demo: unknown flag "--bogus"; run flannel-ts demo --help for the list\n'],
    [["--backend", "vxlan"], 2, "flannel-ts demo: --backend vxlan needs --netns: the kernel's vxlan backend needs namespaces and root; without --netns the demo runs on udp\n"],
    [
      ["--backend", "host-gw"],
      2,
      "flannel-ts demo: --backend host-gw needs --netns: the kernel's host-gw backend needs namespaces and root; without --netns the demo runs on udp\n",
    ],
    [["--backend", "ipip"], 2, 'flannel-ts demo: --backend: "ipip" is not one of udp, vxlan, host-gw\n'],
    [["--etcd-endpoints", "http://127.0.0.1:2379", "--etcd-cafile", "/nonexistent/ca.pem"], 1, "flannel-ts demo: --etcd-cafile /nonexistent/ca.pem does not exist\n"],
    [
      ["--etcd-endpoints", "http://127.0.0.1:2379", "--etcd-cafile", "/dev/zero"],
      1,
      "flannel-ts demo: --etcd-cafile: cannot read /dev/zero: it is a character device, not a regular file\n",
    ],
  ])("refuses %j", async (argv, code, message) => {
    const c = capture();
    expect(await command.run(argv, c.io)).toBe(code);
    expect(c.err()).toBe(message);
    expect(c.out()).toBe("");
  });

  it("reads no FLANNELD_* variable", async () => {
    const c = capture({ FLANNELD_ETCD_ENDPOINTS: "not a url", FLANNELD_ETCD_PREFIX: "x" });
    expect(await command.run(["--count", "1", "--seed", "1", "--interval", "0"], c.io)).toBe(0);
    expect(c.out()).toContain("in-memory store");
  });

  it("is reached through the CLI, with its help", async () => {
    const c = capture();
    expect(await main(["demo", "--help"], c.io)).toBe(0);
    expect(c.out()).toBe(command.usage);
    expect(command.usage).toMatch(/^Usage: flannel-ts demo \[--count N\]/);
  });

  it("exits 1 with the error when etcd cannot be reached", async () => {
    const c = capture();
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    const code = await command.run(["--etcd-endpoints", "http://127.0.0.1:9", "--count", "1"], c.io);
    expect(code).toBe(1);
    expect(c.err()).toMatch(/^flannel-ts demo: .+\n$/);
  }, 30_000);

  it("ends its process on its own: nothing keeps the event loop alive", () => {
    const main = fileURLToPath(new URL("../main.ts", import.meta.url));
    const started = Date.now();
    const run = spawnSync(process.execPath, ["--import", "tsx", main, "demo", "--count", "1", "--interval", "0"], { encoding: "utf8", timeout: 20_000 });
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/\[node2\] stopped cleanly\n$/);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 30_000);

  it("refuses --netns without root, with exit 2", async () => {
    const getuid = vi.spyOn(process, "getuid").mockReturnValue(1000);
    try {
      const c = capture();
      expect(await command.run(["--netns"], c.io)).toBe(2);
      expect(c.err()).toBe(
        "flannel-ts demo: --netns needs root: it creates network namespaces, veth pairs and TUN devices; run it with sudo, or leave --netns out for the demo without root\n",
      );
    } finally {
      getuid.mockRestore();
    }
  });
});
