// The UDP engine end to end, through `flannel-ts udp`, in two network
// namespaces joined by a veth pair (TEST-NET underlay 192.0.2.1 and
// 192.0.2.2): kernel ping both ways, an iperf3 TCP transfer, ICMP net
// unreachable, source filtering, and the bytes on the wire checked against
// a stand-in for flanneld's UDP backend (test/helpers/udp-peer.ts) at
// 192.0.2.3. Needs root, iproute2, ping and iperf3, and `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pingPacket, referenceChecksum, tcpChecksumOk } from "../helpers/ipv4-packets.ts";
import { createUnderlay, type Started, type Underlay } from "../helpers/netns.ts";

const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const PEER = fileURLToPath(new URL("../helpers/udp-peer.ts", import.meta.url));
const TUN = "flt0";

interface Counters {
  readonly outbound: {
    readonly received: number;
    readonly packets: number;
    readonly icmpUnreachable: number;
    readonly superPackets: number;
    readonly drops: Record<string, number>;
  };
  readonly inbound: { readonly received: number; readonly packets: number; readonly coalesced: number; readonly drops: Record<string, number> };
}

let net: Underlay;
let engineA: Started;
let engineB: Started;
let peer: Started;
let stranger: Started;

function engineArgs(subnet: string, bind: string, routes: string[]): string[] {
  return [CLI, "udp", "--tun", TUN, "--subnet", subnet, "--network", "10.5.0.0/16", "--bind", bind, ...routes.flatMap((r) => ["--route", r])];
}

/** Asks an engine for its counters (SIGUSR1) and returns the JSON line it prints. */
async function counters(engine: Started): Promise<Counters> {
  const lines = (): string[] => engine.stdout().split("\n").filter((l) => l.startsWith("{"));
  const before = lines().length;
  engine.signal("SIGUSR1");
  for (let i = 0; i < 100 && lines().length === before; i++) await new Promise((r) => setTimeout(r, 20));
  return JSON.parse(lines().at(-1)!) as Counters;
}

interface Captured {
  readonly from: string;
  readonly port: number;
  readonly packet: Uint8Array;
}

/** Datagrams the stand-in peer printed since `skip` lines. */
function captured(skip = 0): Captured[] {
  return peer
    .stdout()
    .split("\n")
    .slice(skip)
    .filter((l) => l.includes('"hex"'))
    .map((l) => {
      const d = JSON.parse(l) as { from: string; port: number; hex: string };
      return { from: d.from, port: d.port, packet: new Uint8Array(Buffer.from(d.hex, "hex")) };
    });
}

const peerLines = (): number => peer.stdout().split("\n").length - 1;
const u16 = (p: Uint8Array, at: number): number => (p[at]! << 8) | p[at + 1]!;
const dotted = (p: Uint8Array, at: number): string => [...p.subarray(at, at + 4)].join(".");

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("the UDP overlay test needs root: it creates network namespaces and TUN devices");
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  net = await createUnderlay("fu");
  // More addresses on b's side: the stand-in flanneld peer and a stranger.
  await net.must(net.b, "ip", ["addr", "add", "192.0.2.3/24", "dev", net.vethB]);
  await net.must(net.b, "ip", ["addr", "add", "192.0.2.4/24", "dev", net.vethB]);
  engineA = net.start(net.a, "node", engineArgs("10.5.1.0/24", "192.0.2.1", ["10.5.2.0/24=192.0.2.2", "10.5.3.0/24=192.0.2.3"]));
  engineB = net.start(net.b, "node", engineArgs("10.5.2.0/24", "192.0.2.2", ["10.5.1.0/24=192.0.2.1"]));
  peer = net.start(net.b, "node", ["--import", "tsx", PEER, "192.0.2.3", "8285"]);
  stranger = net.start(net.b, "node", ["--import", "tsx", PEER, "192.0.2.4", "8285"]);
  await Promise.all([engineA.waitFor(/flannel-ts udp: flt0 /), engineB.waitFor(/flannel-ts udp: flt0 /), peer.waitFor(/listening/), stranger.waitFor(/listening/)]);
});

afterAll(async () => {
  await net?.destroy();
});

describe("flannel-ts udp in two namespaces", () => {
  it("configures the TUN as flanneld's UDP backend does", async () => {
    const link = await net.must(net.a, "ip", ["-o", "link", "show", TUN]);
    expect(link).toMatch(/mtu 1472 /); // the veth's 1500 minus 28
    expect(link).toMatch(/<POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP>/);
    expect(await net.must(net.a, "ip", ["-o", "-4", "addr", "show", TUN])).toMatch(/inet 10\.5\.1\.0\/32 /);
    expect(await net.must(net.a, "ip", ["route", "show", "10.5.0.0/16"])).toMatch(/^10\.5\.0\.0\/16 dev flt0/);
    expect(engineA.stderr()).toMatch(/offload tso on gso on gro on/);
  });

  it("carries the kernel's ping both ways", async () => {
    const ab = await net.run(net.a, "ping", ["-c", "3", "-i", "0.2", "-W", "2", "10.5.2.0"]);
    expect(ab.stdout).toMatch(/3 packets transmitted, 3 received/);
    const ba = await net.run(net.b, "ping", ["-c", "3", "-i", "0.2", "-W", "2", "10.5.1.0"]);
    expect(ba.stdout).toMatch(/3 packets transmitted, 3 received/);
  });

  it("completes an iperf3 TCP transfer, every datagram accepted", async () => {
    const server = net.start(net.b, "iperf3", ["-s", "-1", "-B", "10.5.2.0", "--forceflush"]);
    await server.waitFor(/Server listening/);
    const client = await net.run(net.a, "iperf3", ["-c", "10.5.2.0", "-t", "3", "-J"], 30_000);
    expect(client.code).toBe(0);
    const report = JSON.parse(client.stdout) as { end: { sum_received: { bytes: number; bits_per_second: number } } };
    expect(report.end.sum_received.bytes).toBeGreaterThan(10_000_000);
    await server.exited;
    const a = await counters(engineA);
    const b = await counters(engineB);
    // TSO super-packets were cut into wire packets that the other engine
    // checked one by one (version, lengths, checksum) and accepted.
    expect(a.outbound.superPackets).toBeGreaterThan(0);
    expect(a.outbound.drops["send-failed"]).toBe(0);
    expect(b.inbound.received).toBeGreaterThan(7000);
    expect(b.inbound.drops).toEqual(Object.fromEntries(Object.keys(b.inbound.drops).map((k) => [k, 0])));
    expect(b.inbound.coalesced).toBeGreaterThan(0);
  });

  it('answers a ping to a subnet without a peer with "Destination Net Unreachable"', async () => {
    const before = await counters(engineA);
    const ping = await net.run(net.a, "ping", ["-c", "1", "-W", "2", "10.5.9.1"]);
    expect(ping.code).toBe(1);
    expect(ping.stdout).toMatch(/From 10\.5\.1\.0 icmp_seq=1 Destination Net Unreachable/);
    const after = await counters(engineA);
    expect(after.outbound.icmpUnreachable - before.outbound.icmpUnreachable).toBe(1);
    expect(after.outbound.drops["no-route"]! - before.outbound.drops["no-route"]!).toBe(1);
  });

  it("drops and counts a datagram from an address that holds no lease", async () => {
    const before = await counters(engineA);
    // A well-formed echo request for 10.5.1.0, from 192.0.2.4:8285, which is no route's peer.
    const packet = pingPacket("10.5.3.10", "10.5.1.0");
    stranger.input(`${JSON.stringify({ to: "192.0.2.1", port: 8285, hex: Buffer.from(packet).toString("hex") })}\n`);
    await stranger.waitFor(/"sent":/);
    let after = await counters(engineA);
    for (let i = 0; i < 20 && after.inbound.drops["unknown-source"] === before.inbound.drops["unknown-source"]; i++) after = await counters(engineA);
    expect(after.inbound.drops["unknown-source"]! - before.inbound.drops["unknown-source"]!).toBe(1);
    expect(after.inbound.packets).toBe(before.inbound.packets);
  });
});

describe("the bytes on the wire are flanneld's: the datagram's payload is exactly the IPv4 packet, port 8285", () => {
  it("an echo request out, and the stand-in peer's echo reply in", async () => {
    const skip = peerLines();
    const ping = await net.run(net.a, "ping", ["-c", "1", "-W", "2", "-p", "c0ffee", "10.5.3.1"]);
    // The reply was built by the stand-in as flanneld would carry it, and the engine took it.
    expect(ping.stdout).toMatch(/1 packets transmitted, 1 received/);
    const [datagram] = captured(skip);
    expect(datagram).toMatchObject({ from: "192.0.2.1", port: 8285 });
    const p = datagram!.packet;
    expect(p[0]).toBe(0x45);
    expect(u16(p, 2)).toBe(p.length); // total length = the whole payload: no header of flannel's own
    expect(p.length).toBe(84); // ping's default: 20 + 8 + 56
    expect(referenceChecksum(p.subarray(0, 20))).toBe(0);
    expect([dotted(p, 12), dotted(p, 16), p[9], p[8]]).toEqual(["10.5.1.0", "10.5.3.1", 1, 63]); // TTL 64 - 1, as flanneld decrements it
    expect([p[20], p[21]]).toEqual([8, 0]);
    expect(referenceChecksum(p.subarray(20))).toBe(0);
    expect(Buffer.from(p.subarray(p.length - 6)).toString("hex")).toMatch(/c0ffee/);
  });

  it("a TCP SYN, its checksum completed although the kernel offloaded it", async () => {
    const skip = peerLines();
    await net.run(net.a, "node", ["-e", "require('net').connect(80, '10.5.3.1').on('error', () => {}); setTimeout(() => process.exit(0), 700)"]);
    const syn = captured(skip).find((d) => d.packet[9] === 6);
    expect(syn).toBeDefined();
    const p = syn!.packet;
    expect(u16(p, 2)).toBe(p.length);
    expect(referenceChecksum(p.subarray(0, 20))).toBe(0);
    expect(p[20 + 13]! & 0x02).toBe(0x02);
    expect(tcpChecksumOk(p)).toBe(true);
  });

  it("a UDP datagram of 1400 bytes, its checksum completed", async () => {
    const skip = peerLines();
    await net.run(net.a, "node", ["-e", "const s = require('dgram').createSocket('udp4'); s.send(Buffer.alloc(1400, 7), 9999, '10.5.3.1', () => s.close())"]);
    let datagram: Captured | undefined;
    for (let i = 0; i < 50 && datagram === undefined; i++) {
      datagram = captured(skip).find((d) => d.packet[9] === 17);
      if (datagram === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    const p = datagram!.packet;
    expect(p.length).toBe(20 + 8 + 1400);
    expect(u16(p, 2)).toBe(p.length);
    const pseudo = new Uint8Array(12 + p.length - 20);
    pseudo.set(p.subarray(12, 20));
    pseudo[9] = 17;
    pseudo[10] = (p.length - 20) >> 8;
    pseudo[11] = (p.length - 20) & 0xff;
    pseudo.set(p.subarray(20), 12);
    expect(referenceChecksum(pseudo)).toBe(0);
  });
});

describe("shutdown", () => {
  it("on SIGTERM prints its counters, exits 0 and removes the TUN device", async () => {
    engineA.signal("SIGTERM");
    expect(await engineA.exited).toBe(0);
    const last = engineA.stdout().trim().split("\n").at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ outbound: { received: expect.any(Number) as number }, inbound: { received: expect.any(Number) as number } });
    const link = await net.run(net.a, "ip", ["link", "show", TUN]);
    expect(link.code).not.toBe(0);
  });
});
