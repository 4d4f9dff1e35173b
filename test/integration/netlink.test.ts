// rtnetlink from TypeScript against the kernel, in a network namespace the
// test creates (needs root and iproute2). The netlink side runs in a child
// process under `ip netns exec` (test/helpers/netlink-ns-worker.ts): a
// namespace belongs to a thread, and the test runner, its worker threads and
// libuv's pool must stay where they are; a process of its own is in the
// namespace whole, from its first socket to its exit, and cannot leave the
// runner in the wrong one. What it programs is then compared with what
// iproute2 reads back (`ip -j`, `bridge -j`), and the other way round.
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatMac, NTF, NUD } from "../../src/netlink/index.ts";
import { formatCidr } from "../../src/subnet/cidr.ts";
import { formatIp } from "../../src/subnet/ip.ts";
import { must, run, uniqueTag } from "../helpers/netns.ts";
import type { Command } from "../helpers/netlink-ns-worker.ts";
import { type Family, peer } from "../helpers/netlink-peers.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WORKER = `${ROOT}test/helpers/netlink-ns-worker.ts`;
const PEERS = 1000;
const NS = `nl-${uniqueTag()}`;
const DEVICE: Record<Family, string> = { 4: "nl-vx4", 6: "nl-vx6" };

let worker: ChildProcessWithoutNullStreams;
let answers: AsyncIterator<string>;
const timings: string[] = [];

/** Sends one command to the worker in the namespace and returns its answer. */
async function ask<T>(command: Command): Promise<T> {
  worker.stdin.write(`${JSON.stringify(command)}\n`);
  const line = await answers.next();
  if (line.done === true) throw new Error(`the netlink worker ended: exit ${worker.exitCode}`);
  const answer = JSON.parse(line.value) as T & { error?: string };
  if (answer.error !== undefined) throw new Error(`netlink worker: ${answer.error}`);
  return answer;
}

const ipJson = async <T>(args: string[]): Promise<T> => JSON.parse(await must("ip", ["-n", NS, "-j", ...args])) as T;
const bridgeJson = async <T>(args: string[]): Promise<T> => JSON.parse(await must("bridge", ["-n", NS, "-j", ...args])) as T;

interface Dump {
  readonly ms: number;
  readonly routes: string[];
  readonly neighbours: string[];
  readonly fdb: string[];
}

/** What iproute2 reads from the namespace, in the worker's words. */
async function readByIproute(family: Family): Promise<Omit<Dump, "ms">> {
  const device = DEVICE[family];
  const routes = await ipJson<Array<{ dst: string; gateway?: string; flags: string[] }>>([`-${family}`, "route", "show", "dev", device]);
  const neighbours = await ipJson<Array<{ dst: string; lladdr?: string; state: string[] }>>([`-${family}`, "neigh", "show", "nud", "all", "dev", device]);
  const fdb = await bridgeJson<Array<{ mac: string; dst?: string; flags: string[]; state: string }>>(["fdb", "show", "dev", device]);
  const state = (names: string[]): number => names.reduce((n, name) => n | (NUD[name as keyof typeof NUD] ?? 0), 0);
  return {
    // The kernel's own IPv6 routes (fe80::/64, the /128 of the address) are in both lists alike.
    routes: routes.map((r) =>
      `${r.dst.includes("/") ? r.dst : `${r.dst}/${family === 4 ? 32 : 128}`}${r.gateway ? ` via ${r.gateway}` : ""}${r.flags.includes("onlink") ? " onlink" : ""}`
    ),
    neighbours: neighbours.map((n) => `${n.dst} ${n.lladdr ?? "-"} ${state(n.state)}`),
    fdb: fdb.map((e) => `${e.mac}${e.dst ? ` dst ${e.dst}` : ""} ${e.flags.includes("self") ? NTF.SELF : 0} ${e.state === "permanent" ? NUD.PERMANENT : 0}`),
  };
}

/**
 * The kernel adds NOARP neighbours for IPv6 multicast groups (ff02::16, a
 * solicited-node ff02::1:ff..) on its own timer, when MLD reports leave the
 * device: one may appear between our dump and iproute2's (a clean CI run saw
 * ff02::1:ff5b:1517 in the second only). Those are left out of the comparison;
 * every other route, neighbour and FDB entry must match exactly.
 */
const kernelMulticast = (neighbour: string): boolean => /^(ff[0-9a-f]{2}:|22[4-9]\.|23\d\.)/.test(neighbour) && neighbour.endsWith(` ${NUD.NOARP}`);
const sorted = (d: Omit<Dump, "ms">): Omit<Dump, "ms"> => ({
  routes: [...d.routes].sort(),
  neighbours: d.neighbours.filter((n) => !kernelMulticast(n)).sort(),
  fdb: [...d.fdb].sort(),
});

/** What the peers [from, to) look like in the worker's words. */
function expected(family: Family, from: number, to: number): { routes: string[]; neighbours: string[]; fdb: string[] } {
  const peers = Array.from({ length: to - from }, (_, k) => peer(family, from + k));
  return {
    routes: peers.map((p) => `${formatCidr(p.subnet)} via ${formatIp(p.vtep)} onlink`),
    neighbours: peers.map((p) => `${formatIp(p.vtep)} ${formatMac(p.mac)} ${NUD.PERMANENT}`),
    fdb: peers.map((p) => `${formatMac(p.mac)} dst ${formatIp(p.publicIp)} ${NTF.SELF} ${NUD.PERMANENT}`),
  };
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the netlink test needs root: it creates a network namespace and VXLAN devices");
  await must("ip", ["netns", "add", NS]);
  await must("ip", ["-n", NS, "link", "add", "nl-u0", "type", "veth", "peer", "name", "nl-u1"]);
  await must("ip", ["-n", NS, "addr", "add", "192.0.2.1/24", "dev", "nl-u0"]);
  await must("ip", ["-n", NS, "addr", "add", "2001:db8::1/64", "dev", "nl-u0", "nodad"]);
  for (const device of ["lo", "nl-u0", "nl-u1"]) await must("ip", ["-n", NS, "link", "set", device, "up"]);
  worker = spawn("ip", ["netns", "exec", NS, process.execPath, "--import", "tsx", WORKER], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  worker.stderr.setEncoding("utf8").on("data", (text: string) => process.stderr.write(`[netlink worker] ${text}`));
  answers = createInterface({ input: worker.stdout })[Symbol.asyncIterator]();
});

afterAll(async () => {
  worker?.stdin.end();
  worker?.kill("SIGKILL");
  await run("ip", ["netns", "del", NS]);
  if (timings.length > 0) console.log(`netlink timings:\n  ${timings.join("\n  ")}`);
});

describe("rtnetlink in a namespace, checked against iproute2", () => {
  it("creates VXLAN devices over IPv4 and IPv6, brings them up and gives them their addresses", async () => {
    const setup = await ask<{ created: { applied: number; failures: string[] }; configured: { applied: number; failures: string[] } }>({ op: "setup" });
    expect(setup).toEqual({ created: { applied: 2, failures: [] }, configured: { applied: 4, failures: [] } });
    const [shown] = await ipJson<Array<{ ifindex: number; mtu: number; address: string; flags: string[]; linkinfo: { info_kind: string; info_data: Record<string, unknown> } }>>([
      "-d",
      "link",
      "show",
      DEVICE[4],
    ]);
    const ours = await ask<{ index: number; mtu: number; mac: string; up: boolean; kind: string; vxlan: Record<string, unknown>; addresses: string[] }>({ op: "link", family: 4 });
    expect({ index: ours.index, mtu: ours.mtu, mac: ours.mac, up: ours.up, kind: ours.kind }).toEqual({
      index: shown!.ifindex,
      mtu: shown!.mtu,
      mac: shown!.address,
      up: shown!.flags.includes("UP"),
      kind: shown!.linkinfo.info_kind,
    });
    const data = shown!.linkinfo.info_data;
    expect(ours.vxlan).toEqual({ id: data.id, local: data.local, port: data.port, learning: data.learning, gbp: false, link: data.link });
    expect(ours.vxlan).toEqual({ id: 1, local: "192.0.2.1", port: 8472, learning: false, gbp: false, link: "nl-u0" });
    expect(ours.addresses).toContain("10.5.1.0/32");

    const [shown6] = await ipJson<Array<{ mtu: number; linkinfo: { info_data: Record<string, unknown> } }>>(["-d", "link", "show", DEVICE[6]]);
    const ours6 = await ask<{ mtu: number; vxlan: Record<string, unknown>; addresses: string[] }>({ op: "link", family: 6 });
    expect([ours6.mtu, shown6!.mtu]).toEqual([1430, 1430]);
    const data6 = shown6!.linkinfo.info_data;
    expect(ours6.vxlan).toEqual({ id: data6.id, local6: data6.local6, port: data6.port, learning: data6.learning, gbp: data6.gbp });
    expect(ours6.vxlan).toEqual({ id: 2, local6: "2001:db8::1", port: 8472, learning: false, gbp: true });
    expect(ours6.addresses).toContain("fd10:0:0:1::/128");
  });

  it.each<Family>([4, 6])(`programs ${PEERS} IPv%i peers (route, neighbour, FDB entry each) in one batch, and reads back what ip and bridge read`, async (family) => {
    const batch = await ask<{ requests: number; applied: number; failures: string[]; ms: number }>({ op: "peers", family, from: 0, count: PEERS });
    expect({ ...batch, ms: 0 }).toEqual({ requests: 3 * PEERS, applied: 3 * PEERS, failures: [], ms: 0 });
    timings.push(`IPv${family}: ${PEERS} peers = ${3 * PEERS} requests applied and acknowledged in ${batch.ms.toFixed(1)} ms`);
    const ours = await ask<Dump>({ op: "dump", family });
    timings.push(`IPv${family}: dumping them back (routes, neighbours, FDB) took ${ours.ms.toFixed(1)} ms`);
    const theirs = await readByIproute(family);
    expect(sorted(ours)).toEqual(sorted(theirs));
    const want = expected(family, 0, PEERS);
    expect(ours.routes.filter((r) => r.includes(" via "))).toHaveLength(PEERS);
    expect(sorted(ours).routes).toEqual(expect.arrayContaining(want.routes));
    expect(ours.neighbours.filter((n) => n.endsWith(` ${NUD.PERMANENT}`)).sort()).toEqual([...want.neighbours].sort());
    expect(ours.fdb.filter((e) => e.includes(" dst ")).sort()).toEqual([...want.fdb].sort());
  });

  it.each<Family>([4, 6])("deletes some IPv%i peers and sees exactly the others; deleting one again is refused", async (family) => {
    const removed = await ask<{ applied: number; failures: string[] }>({ op: "delete-peers", family, from: 100, count: 250 });
    expect([removed.applied, removed.failures]).toEqual([750, []]);
    const ours = await ask<Dump>({ op: "dump", family });
    expect(sorted(ours)).toEqual(sorted(await readByIproute(family)));
    const kept = [expected(family, 0, 100), expected(family, 350, PEERS)];
    expect(ours.fdb.filter((e) => e.includes(" dst ")).sort()).toEqual(kept.flatMap((k) => k.fdb).sort());
    expect(ours.routes.filter((r) => r.includes(" via ")).sort()).toEqual(kept.flatMap((k) => k.routes).sort());
    const again = await ask<{ applied: number; failures: string[] }>({ op: "delete-peers", family, from: 100, count: 1 });
    const gone = peer(family, 100);
    const device = DEVICE[family];
    expect(again.failures.map((f) => f.replace(/ \(.*\)$/, ""))).toEqual([
      `delete route ${formatCidr(gone.subnet)} via ${formatIp(gone.vtep)} dev ${device}: ESRCH`,
      `delete neighbour ${formatIp(gone.vtep)} dev ${device}: ENOENT`,
      `delete fdb ${formatMac(gone.mac)} dev ${device} dst ${formatIp(gone.publicIp)}: ENOENT`,
    ]);
  });

  it("looks up the route to an address as `ip route get` does (--iface-can-reach), and says when there is none", async () => {
    const links = await ipJson<Array<{ ifindex: number; ifname: string }>>(["link", "show"]);
    const nameOf = (index: number | undefined) => links.find((l) => l.ifindex === index)?.ifname;
    const kept = peer(4, 0);
    const targets = ["192.0.2.7", "2001:db8::7", "127.0.0.1", formatIp({ family: 4, value: (kept.subnet.address as number) + 9 }), "203.0.113.1", "2001:db8:ffff::1"];
    const seen: string[] = [];
    for (const address of targets) {
      const ours = await ask<{ chosen: { interface?: string; source?: string; error?: string }; route: { gateway?: string; prefsrc?: string; oif?: number } | null }>({
        op: "route-to",
        address,
      });
      const theirs = await run("ip", ["-n", NS, "-j", "route", "get", address]);
      if (theirs.code !== 0) {
        expect(theirs.stderr, address).toMatch(/Network is unreachable/);
        expect(ours, address).toEqual({ chosen: { error: `no route to ${address}` }, route: null });
      } else {
        const [route] = JSON.parse(theirs.stdout) as Array<{ dev: string; prefsrc?: string; gateway?: string }>;
        expect({ dev: nameOf(ours.route?.oif), prefsrc: ours.route?.prefsrc, gateway: ours.route?.gateway }, address).toEqual({
          dev: route!.dev,
          prefsrc: route!.prefsrc,
          gateway: route!.gateway,
        });
        expect(ours.chosen, address).toEqual({ interface: route!.dev, source: route!.prefsrc });
      }
      seen.push(`${address}: ${ours.chosen.interface ?? ours.chosen.error}`);
    }
    expect(seen).toEqual([
      "192.0.2.7: nl-u0",
      "2001:db8::7: nl-u0",
      "127.0.0.1: lo",
      `${targets[3]}: nl-vx4`,
      "203.0.113.1: no route to 203.0.113.1",
      "2001:db8:ffff::1: no route to 2001:db8:ffff::1",
    ]);
  });

  it("returns each refused request with its errno name and description, and applies the others", async () => {
    const result = await ask<{ applied: number; failures: Array<{ index: number; errnoName: string; message: string }> }>({ op: "errors" });
    expect(result.applied).toBe(1);
    expect(result.failures.map(({ index, errnoName }) => [index, errnoName])).toEqual([
      [0, "ENODEV"],
      [2, "EEXIST"],
      [3, "ESRCH"],
      [4, "ENODEV"],
      [5, "EEXIST"],
    ]);
    const messages = result.failures.map((f) => f.message);
    expect(messages[0]).toMatch(/^replace route 10\.99\.0\.0\/24 via 10\.99\.0\.0 dev nl-missing onlink: ENODEV/);
    expect(messages[1]).toMatch(/^add route 10\.98\.0\.0\/24 via 10\.98\.0\.0 dev nl-vx4 onlink: EEXIST/);
    expect(messages[2]).toMatch(/^delete route 10\.97\.0\.0\/24 dev nl-vx4: ESRCH/);
    expect(messages[3]).toMatch(/^replace route fd10:0:99::\/64 via fd10:0:99:: dev nl-missing onlink: ENODEV/);
    expect(messages[4]).toMatch(/^add vxlan link nl-vx4 id 1 nolearning: EEXIST/);
    expect((await ipJson<Array<{ dst: string }>>(["route", "show", "10.98.0.0/24"])).map((r) => r.dst)).toEqual(["10.98.0.0/24"]);
    timings.push(`kernel's words for the refusals: ${messages.join(" | ")}`);
  });
});
