// `flannel-ts demo --netns` as root: two namespaces joined by a veth pair
// with TEST-NET addresses, a `flannel-ts udp` engine with a TUN device in
// each, docker0 with the lease's bip and a container namespace behind it,
// and the kernel's ping between the containers, both ways. Runs the built
// CLI (the engine's threads load the built worker), as `npm run demo` does.
// With --backend vxlan or host-gw the agents program the kernel in each
// host's namespace instead, and no engine runs.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

const leftovers = (pid: number): { namespaces: string[]; engines: string[] } => {
  const namespaces = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout.split("\n").filter((l) => l.startsWith(`ftd${pid % 100_000}-`));
  const engines = spawnSync("pgrep", ["-af", `${cli} udp`], { encoding: "utf8" }).stdout.split("\n").filter((l) => l.trim() !== "");
  return { namespaces, engines };
};

describe("flannel-ts demo --netns", () => {
  it("pings between containers in namespaces through two UDP engines with TUN devices, and removes everything", async () => {
    expect(existsSync(cli), `${cli} is missing: npm run build first`).toBe(true);
    const child = spawn(process.execPath, [cli, "demo", "--netns", "--count", "2", "--interval", "100", "--seed", "3"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let lastOutputAt = Date.now();
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      out += chunk;
      lastOutputAt = Date.now();
    });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    const killer = setTimeout(() => child.kill("SIGINT"), 60_000);
    const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
    clearTimeout(killer);
    // Nothing keeps the process alive once the demo is over.
    expect(Date.now() - lastOutputAt).toBeLessThan(3000);
    expect(err).toBe("");
    expect(code).toBe(0);
    expect(out).toMatch(/^flannel-ts demo: two simulated hosts run the agent on one in-memory store; network namespaces with TEST-NET addresses/);
    expect(out).toMatch(/^\[node1\] UDP engine up: flannel0 for subnet 172\.20\.\d+\.0\/24, MTU 1472, listening on 192\.0\.2\.1:8285$/m);
    expect(out).toMatch(/^node1: 172\.20\.\d+\.0\/24 -> 192\.0\.2\.2:8285$/m);
    expect(out).toMatch(/^node2: 172\.20\.\d+\.0\/24 -> 192\.0\.2\.1:8285$/m);
    // The kernel's ping: two forwarding hops in the hosts' kernels and one TTL decrement in each engine.
    expect(out.match(/^64 bytes from 172\.20\.\d+\.2: icmp_seq=[12] ttl=60 time=[\d.]+ ms$/gm)).toHaveLength(4);
    expect(out.match(/^2 packets transmitted, 2 received, 0% packet loss, time \d+ms$/gm)).toHaveLength(2);
    expect(out).toMatch(/^node1: to peers \d+ packets/m);
    expect(out).toMatch(/\[node2\] stopped cleanly\n$/);
    expect(leftovers(child.pid!)).toEqual({ namespaces: [], engines: [] });
  }, 90_000);

  // The kernel's data path: the pings cross two forwarding hops (one in each host's kernel), so ttl=62.
  it.each([
    {
      backend: "vxlan",
      description: "the kernel's VXLAN devices",
      mtu: 1450,
      entries: [
        /^node1: route 172\.20\.\d+\.0\/24 via 172\.20\.\d+\.0 dev flannel\.1 onlink$/m,
        /^node1: neighbour 172\.20\.\d+\.0 lladdr [0-9a-f:]{17} PERMANENT$/m,
        /^node1: fdb [0-9a-f:]{17} dst 192\.0\.2\.2 self permanent$/m,
        /^node2: route 172\.20\.\d+\.0\/24 via 172\.20\.\d+\.0 dev flannel\.1 onlink$/m,
        /^node2: fdb [0-9a-f:]{17} dst 192\.0\.2\.1 self permanent$/m,
      ],
    },
    {
      backend: "host-gw",
      description: "the kernel's routes via the other host \\(host-gw\\)",
      mtu: 1500,
      entries: [/^node1: route 172\.20\.\d+\.0\/24 via 192\.0\.2\.2 dev ftd\d+u1\b.*$/m, /^node2: route 172\.20\.\d+\.0\/24 via 192\.0\.2\.1 dev ftd\d+u2\b.*$/m],
    },
  ])("--backend $backend: the kernel carries the pings between the containers, and everything is removed", async ({ backend, description, mtu, entries }) => {
    const child = spawn(process.execPath, [cli, "demo", "--netns", "--backend", backend, "--count", "2", "--interval", "100", "--seed", "3"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    const killer = setTimeout(() => child.kill("SIGINT"), 60_000);
    const code = await new Promise<number | null>((resolve) => child.once("close", (c) => resolve(c)));
    clearTimeout(killer);
    expect(err, out).toBe("");
    expect(code, out).toBe(0);
    expect(out).toMatch(new RegExp(`^flannel-ts demo: two simulated hosts run the agent on one in-memory store; network namespaces with TEST-NET addresses, ${description}`));
    expect(out).toContain(`$ flannel-ts config set '{"Network":"172.20.0.0/16","Backend":{"Type":"${backend}"}}'`);
    expect(out.match(new RegExp(`^  FLANNEL_MTU=${mtu}$`, "gm"))).toHaveLength(2);
    for (const entry of entries) expect(out).toMatch(entry);
    expect(out.match(/^64 bytes from 172\.20\.\d+\.2: icmp_seq=[12] ttl=62 time=[\d.]+ ms$/gm)).toHaveLength(4);
    expect(out.match(/^2 packets transmitted, 2 received, 0% packet loss, time \d+ms$/gm)).toHaveLength(2);
    expect(out).not.toContain("counters");
    expect(out).toMatch(/\[node2\] stopped cleanly\n$/);
    expect(leftovers(child.pid!)).toEqual({ namespaces: [], engines: [] });
  }, 90_000);

  it("removes the namespaces and engines when interrupted", async () => {
    const child = spawn(process.execPath, [cli, "demo", "--netns", "--count", "50", "--interval", "200"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (err += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    for (let i = 0; i < 300 && !/icmp_seq=2 /.test(out); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(out).toMatch(/icmp_seq=2 /);
    expect(leftovers(child.pid!).namespaces).toHaveLength(4);
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    expect(err).toBe("flannel-ts demo: SIGINT: removing the namespaces\n");
    expect(leftovers(child.pid!)).toEqual({ namespaces: [], engines: [] });
  }, 90_000);
});
