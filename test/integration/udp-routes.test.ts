// Routes follow lease events while traffic flows: an engine started through
// the library API (from the sources, in namespace a) gets its route to b
// set, moved to another PublicIP, set back and deleted at run time, and
// the kernel's ping shows each change. Needs root, iproute2, ping and
// `npm run build` (for the CLI engine in b).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUnderlay, type Started, type Underlay } from "../helpers/netns.ts";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const API = fileURLToPath(new URL("../helpers/udp-engine-api.ts", import.meta.url));

let net: Underlay;
let driven: Started;
let other: Started;

interface Answer {
  readonly done: string;
  readonly routes: number;
  readonly counters: { readonly inbound: { readonly drops: Record<string, number> } };
}

async function send(line: string): Promise<Answer> {
  const before = driven.stdout().split("\n").length;
  driven.input(`${line}\n`);
  for (let i = 0; i < 200 && driven.stdout().split("\n").length === before; i++) await new Promise((r) => setTimeout(r, 10));
  return JSON.parse(driven.stdout().trim().split("\n").at(-1)!) as Answer;
}

const ping = (): Promise<{ stdout: string }> => net.run(net.a, "ping", ["-c", "1", "-W", "1", "10.5.2.0"]);

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the UDP routes test needs root: it creates network namespaces and TUN devices");
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  net = await createUnderlay("fr");
  driven = net.start(net.a, "node", ["--import", "tsx", API, "frt0", "10.5.1.0/24", "10.5.0.0/16", "192.0.2.1"]);
  other = net.start(net.b, "node", [CLI, "udp", "--tun", "frt0", "--subnet", "10.5.2.0/24", "--network", "10.5.0.0/16", "--bind", "192.0.2.2", "--route", "10.5.1.0/24=192.0.2.1"]);
  await Promise.all([driven.waitFor(/"started":"frt0"/), other.waitFor(/flannel-ts udp: frt0 /)]);
});

afterAll(async () => {
  await net?.destroy();
});

describe("routes set and deleted at run time", () => {
  it("no route yet: the peer's subnet is unreachable", async () => {
    expect((await ping()).stdout).toMatch(/Destination Net Unreachable/);
  });

  it("lease added: traffic flows", async () => {
    expect(await send("set 10.5.2.0/24 192.0.2.2")).toMatchObject({ routes: 1 });
    expect((await ping()).stdout).toMatch(/1 received/);
  });

  it("lease moved to another PublicIP: packets go there (and nothing answers)", async () => {
    expect(await send("set 10.5.2.0/24 192.0.2.9")).toMatchObject({ routes: 1 });
    const out = (await ping()).stdout;
    expect(out).toMatch(/0 received/);
    expect(out).not.toMatch(/Unreachable/);
  });

  it("lease moved back: traffic flows again", async () => {
    await send("set 10.5.2.0/24 192.0.2.2");
    expect((await ping()).stdout).toMatch(/1 received/);
  });

  it("lease removed: unreachable again, and the old peer's datagrams are refused", async () => {
    expect(await send("delete 10.5.2.0/24")).toMatchObject({ routes: 0 });
    expect((await ping()).stdout).toMatch(/Destination Net Unreachable/);
    const before = (await send("counters")).counters.inbound.drops["unknown-source"]!;
    await net.run(net.b, "ping", ["-c", "1", "-W", "1", "10.5.1.0"]);
    const after = (await send("counters")).counters.inbound.drops["unknown-source"]!;
    expect(after - before).toBe(1);
  });

  it("closes cleanly on SIGTERM and removes its device, address and route", async () => {
    driven.signal("SIGTERM");
    expect(await driven.exited).toBe(0);
    expect((await net.run(net.a, "ip", ["link", "show", "frt0"])).code).not.toBe(0);
    expect(await net.must(net.a, "ip", ["-4", "-o", "addr", "show"])).not.toContain("10.5.1.0/32");
    expect(await net.must(net.a, "ip", ["route", "show", "exact", "10.5.0.0/16"])).toBe("");
  });
});
