// The UDP engine leaves alone what it did not make, end to end with the
// built CLI (and the library API for the option check) in two network
// namespaces (prefix us-): each case compares `ip -j route`, `ip -j link`
// and `ip -j addr` of namespace a before and after.
// - a 0.0.0.0/0 network: refused (CLI flag layer and library), the default
//   route stays;
// - a second engine while one runs: a route for the same network, the same
//   device, or the same port is refused, the running engine's device and
//   route stay and traffic still flows;
// - a persistent TUN made by someone else: used, then left as it was found
//   (the engine's address, route, MTU and link state taken back).
// Needs root, iproute2, ping and `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUnderlay, type Started, type Underlay } from "../helpers/netns.ts";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const API = fileURLToPath(new URL("../helpers/udp-engine-api.ts", import.meta.url));

let net: Underlay;

/** What the host's IPv4 side looks like: routes of every table, links, addresses. */
async function snapshot(ns: string): Promise<unknown> {
  const read = async (args: string[]): Promise<unknown> => JSON.parse(await net.must(ns, "ip", ["-j", "-4", ...args])) as unknown;
  return { routes: await read(["route", "show", "table", "all"]), links: await read(["-d", "link", "show"]), addrs: await read(["addr", "show"]) };
}

const engineArgs = (
  tun: string,
  subnet: string,
  network: string,
  bind: string,
  more: string[] = [],
): string[] => [CLI, "udp", "--tun", tun, "--subnet", subnet, "--network", network, "--bind", bind, ...more];

/** Runs an engine that must not start; returns its exit code and output. */
async function refused(args: string[]): Promise<{ code: number; output: string }> {
  const out = await net.run(net.a, "node", args, 30_000);
  return { code: out.code, output: out.stderr + out.stdout };
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the UDP safety test needs root: it creates network namespaces and TUN devices");
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  net = await createUnderlay("us");
  // A default route, as any host has; the gateway need not answer.
  await net.must(net.a, "ip", ["route", "add", "default", "via", "192.0.2.254", "dev", net.vethA]);
});

afterAll(async () => {
  await net?.destroy();
});

describe("a network of every address", () => {
  it("the CLI refuses it (exit 2) and the default route stays", async () => {
    const before = await snapshot(net.a);
    const out = await refused(engineArgs("us0", "10.5.1.0/24", "0.0.0.0/0", "192.0.2.1"));
    expect(out.code).toBe(2);
    expect(out.output).toMatch(/--network/);
    expect(await snapshot(net.a)).toEqual(before);
  });

  it("the library refuses it with a typed error before touching the host", async () => {
    const before = await snapshot(net.a);
    const out = await refused(["--import", "tsx", API, "us0", "10.5.1.0/24", "0.0.0.0/0", "192.0.2.1"]);
    expect(out.code).toBe(1);
    expect(out.output).toContain("network 0.0.0.0/0 is every IPv4 address");
    expect(await snapshot(net.a)).toEqual(before);
  });
});

describe("a second engine while one runs", () => {
  let first: Started;
  let peer: Started;
  let running: unknown;

  beforeAll(async () => {
    first = net.start(net.a, "node", engineArgs("us0", "10.5.1.0/24", "10.5.0.0/16", "192.0.2.1", ["--route", "10.5.2.0/24=192.0.2.2"]));
    peer = net.start(net.b, "node", engineArgs("us0", "10.5.2.0/24", "10.5.0.0/16", "192.0.2.2", ["--route", "10.5.1.0/24=192.0.2.1"]));
    await Promise.all([first.waitFor(/flannel-ts udp: us0 /), peer.waitFor(/flannel-ts udp: us0 /)]);
    running = await snapshot(net.a);
  });

  // Wait for both to exit: the next describe snapshots the namespace, and an
  // engine still taking its device and route back would change it under it.
  afterAll(async () => {
    first?.signal("SIGTERM");
    peer?.signal("SIGTERM");
    await Promise.all([first?.exited, peer?.exited]);
  });

  const cases: readonly (readonly [string, string[], RegExp])[] = [
    ["the same network on another device", engineArgs("us1", "10.5.3.0/24", "10.5.0.0/16", "192.0.2.1", ["--port", "8286"]), /already has a route through us0 for 10\.5\.0\.0\/16/],
    ["the same device", engineArgs("us0", "10.6.1.0/24", "10.6.0.0/16", "192.0.2.1", ["--port", "8286"]), /TUN device us0 is in use by another process/],
    ["the same port (bind fails)", engineArgs("us1", "10.6.1.0/24", "10.6.0.0/16", "192.0.2.1"), /cannot bind UDP 192\.0\.2\.1:8285: EADDRINUSE/],
  ];
  it.each(cases)("%s: refused, nothing changed", async (_name, args, message) => {
    const out = await refused(args);
    expect(out.code).toBe(1);
    expect(out.output).toMatch(message);
    expect(await snapshot(net.a)).toEqual(running);
  });

  it("the running engine still forwards", async () => {
    expect((await net.run(net.a, "ping", ["-c", "1", "-W", "2", "10.5.2.0"])).stdout).toMatch(/1 received/);
  });
});

describe("a persistent TUN made by someone else", () => {
  const TUN = "us-p0";
  let before: unknown;

  beforeAll(async () => {
    await net.must(net.a, "ip", ["tuntap", "add", "dev", TUN, "mode", "tun"]);
    await net.must(net.a, "ip", ["addr", "add", "10.77.0.1/32", "dev", TUN]);
    // The kernel's answer to a device's first `up` (a default qdisc, IPv6
    // address generation switched to random for a TUN) outlasts any `down`;
    // its owner has had it up before, as a device in use has.
    await net.must(net.a, "ip", ["link", "set", "dev", TUN, "up"]);
    await net.must(net.a, "ip", ["link", "set", "dev", TUN, "down"]);
    before = await snapshot(net.a);
  });

  it("is used, then left as it was found", async () => {
    const engine = net.start(net.a, "node", engineArgs(TUN, "10.5.1.0/24", "10.5.0.0/16", "192.0.2.1", ["--mtu", "1400"]));
    await engine.waitFor(/flannel-ts udp: us-p0 /);
    const during = await net.must(net.a, "ip", ["-4", "-o", "addr", "show", "dev", TUN]);
    expect(during).toContain("10.5.1.0/32");
    expect(during).toContain("10.77.0.1/32");
    expect(await net.must(net.a, "ip", ["route", "show", "exact", "10.5.0.0/16"])).toMatch(/dev us-p0/);
    engine.signal("SIGTERM");
    expect(await engine.exited).toBe(0);
    expect(await snapshot(net.a)).toEqual(before);
    expect(await net.must(net.a, "ip", ["-d", "link", "show", "dev", TUN])).toMatch(/persist on/);
  });
});
