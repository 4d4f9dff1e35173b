// The Deno adapter end to end: one side of the overlay runs the engine on
// Deno (src/deno/udp-main.ts: libc through Deno.dlopen, Workers), the other
// side on Node.js (`flannel-ts udp`), in two namespaces joined by a veth
// pair. Needs root, iproute2, ping, iperf3 and `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUnderlay, must, type Started, type Underlay } from "../helpers/netns.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CLI = `${ROOT}dist/cli/main.js`;
// The binary itself, not the npm wrapper (which would not pass signals on).
const DENO = `${ROOT}node_modules/deno/deno`;
const MAIN = `${ROOT}src/deno/udp-main.ts`;

let net: Underlay;
let onDeno: Started;
let onNode: Started;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the Deno overlay test needs root: it creates network namespaces and TUN devices");
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  if (!existsSync(DENO)) await must(process.execPath, [`${ROOT}node_modules/deno/bin.cjs`, "--version"]); // installs the binary
  net = await createUnderlay("fd");
  onDeno = net.start(net.a, DENO, [
    // -A: writing under /proc/sys needs all permissions in Deno (and FFI grants them anyway).
    "run",
    "--config",
    `${ROOT}deno.json`,
    "-A",
    MAIN,
    "--tun",
    "fdt0",
    "--subnet",
    "10.5.1.0/24",
    "--network",
    "10.5.0.0/16",
    "--bind",
    "192.0.2.1",
    "--route",
    "10.5.2.0/24=192.0.2.2",
  ]);
  onNode = net.start(net.b, "node", [
    CLI,
    "udp",
    "--tun",
    "fdt0",
    "--subnet",
    "10.5.2.0/24",
    "--network",
    "10.5.0.0/16",
    "--bind",
    "192.0.2.2",
    "--route",
    "10.5.1.0/24=192.0.2.1",
  ]);
  await Promise.all([onDeno.waitFor(/udp-main: fdt0 up/, 60_000), onNode.waitFor(/flannel-ts udp: fdt0 /)]);
});

afterAll(async () => {
  await net?.destroy();
});

describe("the engine on Deno, facing the engine on Node.js", () => {
  it("offloads as on Node.js", () => {
    expect(onDeno.stderr()).toMatch(/offload tso true gso true gro true/);
  });

  it("carries the kernel's ping both ways", async () => {
    expect((await net.run(net.a, "ping", ["-c", "3", "-i", "0.2", "-W", "2", "10.5.2.0"])).stdout).toMatch(/3 received/);
    expect((await net.run(net.b, "ping", ["-c", "3", "-i", "0.2", "-W", "2", "10.5.1.0"])).stdout).toMatch(/3 received/);
  });

  it("completes an iperf3 TCP transfer", async () => {
    const server = net.start(net.b, "iperf3", ["-s", "-1", "-B", "10.5.2.0", "--forceflush"]);
    await server.waitFor(/Server listening/);
    const client = await net.run(net.a, "iperf3", ["-c", "10.5.2.0", "-t", "2", "-J"], 30_000);
    expect(client.code).toBe(0);
    expect((JSON.parse(client.stdout) as { end: { sum_received: { bytes: number } } }).end.sum_received.bytes).toBeGreaterThan(10_000_000);
  });

  it("on SIGTERM prints its counters, exits 0 and removes the TUN device", async () => {
    onDeno.signal("SIGTERM");
    expect(await onDeno.exited).toBe(0);
    const counters = JSON.parse(onDeno.stdout().trim().split("\n").at(-1)!) as { outbound: { packets: number; superPackets: number } };
    expect(counters.outbound.superPackets).toBeGreaterThan(0);
    expect((await net.run(net.a, "ip", ["link", "show", "fdt0"])).code).not.toBe(0);
  });
});
