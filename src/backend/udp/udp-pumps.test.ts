import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addr, concat, icmpMessage, ipv4Packet, payloadBytes, pingPacket, tcpPacket, vnetHeader } from "../../../test/helpers/ipv4-packets.ts";
import { parseCidr4, parseIp4 } from "../../subnet/index.ts";
import { MemorySocket, MemoryTun } from "./memory-ports.ts";
import { RouteTable } from "./route-table.ts";
import { INBOUND_DROP_REASONS, OUTBOUND_DROP_REASONS, readUdpCounters, type UdpCounters } from "./udp-counters.ts";
import { UdpDatapath } from "./udp-datapath.ts";
import { InboundPump, OutboundPump } from "./udp-pumps.ts";

const PEER = addr("192.0.2.2");
const STRANGER = addr("198.51.100.7");

function setup(options: { vnet?: boolean; maxSegments?: number; sourceFilter?: boolean } = {}) {
  const routes = new RouteTable();
  routes.set(parseCidr4("10.5.2.0/24")._unsafeUnwrap(), parseIp4("192.0.2.2")._unsafeUnwrap());
  const tun = new MemoryTun({ vnetHeader: options.vnet ?? false });
  const socket = new MemorySocket({ maxSegments: options.maxSegments ?? 1 });
  const datapath = new UdpDatapath({
    routes,
    localAddress: addr("10.5.1.0"),
    localPrefix: 24,
    ...(options.sourceFilter === undefined ? {} : { sourceFilter: options.sourceFilter }),
  });
  const out = new OutboundPump(datapath, tun, socket);
  const into = new InboundPump(datapath, tun, socket);
  const counters = (): UdpCounters => readUdpCounters([datapath.counters]);
  const drain = (pump: { step(t: number): number }): void => {
    for (let i = 0; i < 10_000 && pump.step(0) > 0; i++);
  };
  return { routes, tun, socket, datapath, out, into, counters, drain };
}

const sum = (record: Readonly<Record<string, number>>): number => Object.values(record).reduce((a, b) => a + b, 0);
const bytesOf = (list: readonly { bytes: Uint8Array }[]): number[][] => list.map((d) => [...d.bytes]);

describe("outbound: TUN to peers", () => {
  it("sends a packet for a peer's subnet to its PublicIP:8285 as the whole datagram, TTL decremented", () => {
    const { tun, socket, out, counters } = setup();
    tun.inject(pingPacket("10.5.1.2", "10.5.2.3"));
    expect(out.step(0)).toBe(1);
    expect(socket.sent.map((d) => [d.address, d.port, d.segmentSize])).toEqual([[PEER, 8285, 0]]);
    const expected = ipv4Packet({ source: "10.5.1.2", destination: "10.5.2.3", protocol: 1, ttl: 63, payload: pingPacket("10.5.1.2", "10.5.2.3").subarray(20) });
    expect(bytesOf(socket.sent)).toEqual([[...expected]]);
    expect(counters().outbound).toMatchObject({ received: 1, packets: 1, bytes: expected.length });
    expect(out.step(0)).toBe(0);
  });

  it("answers a packet without a route with ICMP net unreachable into the TUN", () => {
    const { tun, socket, out, counters } = setup();
    const ping = pingPacket("10.5.1.2", "10.5.9.1");
    tun.inject(ping);
    out.step(0);
    expect(socket.sent).toEqual([]);
    const icmp = ipv4Packet({ source: "10.5.1.0", destination: "10.5.1.2", protocol: 1, id: 0, fragment: 0, payload: icmpMessage(3, 0, new Uint8Array(4), ping.subarray(0, 28)) });
    expect(bytesOf(tun.written.map((bytes) => ({ bytes })))).toEqual([[...icmp]]);
    expect(counters().outbound).toMatchObject({ received: 1, packets: 0, icmpUnreachable: 1, drops: { "no-route": 1 } });
  });

  it("puts a plain virtio-net header before the ICMP message on an offloading TUN", () => {
    const { tun, out } = setup({ vnet: true });
    const ping = pingPacket("10.5.1.2", "10.5.9.1");
    tun.inject(concat(vnetHeader({}), ping));
    out.step(0);
    expect([...tun.written[0]!.subarray(0, 10)]).toEqual(new Array(10).fill(0));
    expect(tun.written[0]!.length).toBe(10 + 56);
  });

  it.each(
    [
      ["TTL 1", ipv4Packet({ source: "10.5.1.2", destination: "10.5.2.3", protocol: 17, ttl: 1, payload: new Uint8Array(8) }), "ttl-expired"],
      ["IPv6", Uint8Array.of(0x60, ...new Uint8Array(47)), "not-ipv4"],
      ["a total length that disagrees", ipv4Packet({ source: "10.5.1.2", destination: "10.5.2.3", protocol: 17, payload: new Uint8Array(8) }).subarray(0, 27), "malformed"],
    ] as const,
  )("drops %s and counts it", (_, packet, reason) => {
    const { tun, socket, out, counters } = setup();
    tun.inject(packet);
    out.step(0);
    expect(socket.sent).toEqual([]);
    expect(counters().outbound.drops[reason]).toBe(1);
  });

  it("counts a send the kernel refused", () => {
    const { tun, socket, out, counters } = setup();
    socket.failSends = true;
    tun.inject(pingPacket("10.5.1.2", "10.5.2.3"));
    out.step(0);
    expect(counters().outbound).toMatchObject({ received: 1, packets: 0, drops: { "send-failed": 1 } });
  });

  const ts = Uint8Array.of(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2);
  const superPacket = (payload: Uint8Array): Uint8Array => tcpPacket({ source: "10.5.1.0", destination: "10.5.2.0", seq: 77, flags: 0x18, payload, options: ts, id: 9 });
  const wireSegments = (payload: Uint8Array, mss: number): number[][] => {
    const out: number[][] = [];
    for (let i = 0, o = 0; o < payload.length; i++, o += mss) {
      const last = o + mss >= payload.length;
      out.push([
        ...tcpPacket({
          source: "10.5.1.0",
          destination: "10.5.2.0",
          seq: 77 + o,
          flags: last ? 0x18 : 0x10,
          payload: payload.subarray(o, o + mss),
          options: ts,
          id: 9 + i,
          ttl: 63,
        }),
      ]);
    }
    return out;
  };

  it("cuts a TSO super-packet into the wire packets flanneld would send, handed over in one GSO send", () => {
    const { tun, socket, out, counters } = setup({ vnet: true, maxSegments: 64 });
    const payload = payloadBytes(10_000);
    tun.inject(concat(vnetHeader({ flags: 1, gsoType: 1, hdrLen: 52, gsoSize: 1408, csumStart: 20, csumOffset: 16 }), superPacket(payload)));
    out.step(0);
    expect(socket.sent.map((d) => [d.address, d.port, d.segmentSize])).toEqual([[PEER, 8285, 1460]]);
    expect(bytesOf(socket.wire())).toEqual(wireSegments(payload, 1408));
    expect(counters().outbound).toMatchObject({ received: 8, packets: 8, superPackets: 1, bytes: 10_000 + 8 * 52 });
  });

  it("splits GSO sends at the kernel's 64 KiB and segment limits, and sends one by one without GSO", () => {
    for (const maxSegments of [64, 4, 1]) {
      const { tun, socket, out, counters } = setup({ vnet: true, maxSegments });
      const payload = payloadBytes(60_000);
      tun.inject(concat(vnetHeader({ flags: 1, gsoType: 1, hdrLen: 52, gsoSize: 1000, csumStart: 20, csumOffset: 16 }), superPacket(payload)));
      out.step(0);
      expect(socket.sent.every((d) => d.bytes.length <= 65507 && Math.ceil(d.bytes.length / 1052) <= maxSegments)).toBe(true);
      expect(bytesOf(socket.wire())).toEqual(wireSegments(payload, 1000));
      expect(counters().outbound.packets).toBe(60);
    }
  });

  it("completes a checksum the kernel left partial", () => {
    const { tun, socket, out } = setup({ vnet: true });
    const packet = tcpPacket({ source: "10.5.1.0", destination: "10.5.2.0", seq: 5, payload: payloadBytes(300) });
    const partial = packet.slice();
    // What the kernel leaves with checksum offload: the pseudo-header's folded sum.
    const pseudo = (0x0a05 + 0x0100 + 0x0a05 + 0x0200 + 6 + 320) & 0xffff;
    partial[36] = pseudo >> 8;
    partial[37] = pseudo & 0xff;
    tun.inject(concat(vnetHeader({ flags: 1, csumStart: 20, csumOffset: 16 }), partial));
    out.step(0);
    expect(bytesOf(socket.sent)).toEqual([[...tcpPacket({ source: "10.5.1.0", destination: "10.5.2.0", seq: 5, payload: payloadBytes(300), ttl: 63 })]]);
  });
});

describe("inbound: peers to TUN", () => {
  it("writes a peer's packet to the TUN with its TTL decremented", () => {
    const { tun, socket, into, counters } = setup();
    const ping = pingPacket("10.5.2.3", "10.5.1.2");
    socket.inject(ping, PEER, 8285);
    expect(into.step(0)).toBe(1);
    expect(bytesOf(tun.written.map((bytes) => ({ bytes })))).toEqual([[
      ...ipv4Packet({ source: "10.5.2.3", destination: "10.5.1.2", protocol: 1, ttl: 63, payload: ping.subarray(20) }),
    ]]);
    expect(counters().inbound).toMatchObject({ received: 1, packets: 1, bytes: ping.length });
  });

  it("drops and counts a datagram from an address that is no route's peer", () => {
    const { tun, socket, into, counters } = setup();
    socket.inject(pingPacket("10.5.2.3", "10.5.1.2"), STRANGER, 8285);
    into.step(0);
    expect(tun.written).toEqual([]);
    expect(counters().inbound).toMatchObject({ received: 1, packets: 0, drops: { "unknown-source": 1 } });
  });

  it("accepts anyone with the source filter off, as flanneld does", () => {
    const { tun, socket, into } = setup({ sourceFilter: false });
    socket.inject(pingPacket("10.5.2.3", "10.5.1.2"), STRANGER, 8285);
    into.step(0);
    expect(tun.written).toHaveLength(1);
  });

  const good = pingPacket("10.5.2.3", "10.5.1.2");
  const spoiled = (at: number, value: number): Uint8Array => {
    const p = good.slice();
    p[at] = value;
    return p;
  };
  it.each(
    [
      ["truncated", good.subarray(0, 12)],
      ["bad-version", spoiled(0, 0x65)],
      ["bad-header-length", spoiled(0, 0x43)],
      ["bad-total-length", concat(good, Uint8Array.of(0))],
      ["bad-checksum", spoiled(15, 9)],
      ["ttl-expired", ipv4Packet({ source: "10.5.2.3", destination: "10.5.1.2", protocol: 1, ttl: 1, payload: new Uint8Array(8) })],
      ["local-source", pingPacket("10.5.1.9", "10.5.1.2")],
    ] as const,
  )("drops and counts %s", (reason, datagram) => {
    const { tun, socket, into, counters } = setup();
    socket.inject(datagram, PEER, 8285);
    into.step(0);
    expect(tun.written).toEqual([]);
    expect(counters().inbound.drops[reason]).toBe(1);
    expect(sum(counters().inbound.drops)).toBe(1);
  });

  it("counts a write the TUN refused", () => {
    const { tun, socket, into, counters } = setup();
    tun.failWrites = true;
    socket.inject(good, PEER, 8285);
    into.step(0);
    expect(counters().inbound.drops["tun-write-failed"]).toBe(1);
  });

  const stream = (count: number, mss: number): Uint8Array[] =>
    Array.from(
      { length: count },
      (_, i) => tcpPacket({ source: "10.5.2.0", destination: "10.5.1.0", seq: 1 + i * mss, payload: payloadBytes(mss, i + 1), flags: i === count - 1 ? 0x18 : 0x10 }),
    );

  it("writes a GRO train of one stream to an offloading TUN as one super-packet", () => {
    const { tun, socket, into, counters } = setup({ vnet: true });
    const train = stream(5, 1000);
    socket.inject(concat(...train), PEER, 8285, 1040);
    into.step(0);
    expect(tun.written).toHaveLength(1);
    expect(tun.written[0]!.length).toBe(10 + 40 + 5000);
    expect(counters().inbound).toMatchObject({ received: 5, packets: 5, coalesced: 1, bytes: 5 * 1040 });
  });

  it("writes a GRO train packet by packet to a plain TUN, dropping the bad one only", () => {
    const { tun, socket, into, counters } = setup();
    const train = stream(3, 1000);
    train[1]![15]! ^= 0xff; // breaks the header checksum
    socket.inject(concat(...train), PEER, 8285, 1040);
    into.step(0);
    expect(tun.written.map((p) => p.length)).toEqual([1040, 1040]);
    expect(counters().inbound).toMatchObject({ received: 3, packets: 2, drops: { "bad-checksum": 1 } });
  });
});

describe("nothing that arrives crashes it, and every drop is counted", () => {
  const routes = fc.constantFrom(PEER, STRANGER);
  const datagram = fc.oneof(
    fc.uint8Array({ maxLength: 1600 }),
    // A valid packet with a few bytes changed reaches the deeper checks.
    fc.tuple(fc.array(fc.tuple(fc.nat(83), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.integer({ min: 0, max: 90 })).map(([edits, cut]) => {
      const p = pingPacket("10.5.2.3", "10.5.1.2", 1, 1, new Uint8Array(56));
      for (const [at, value] of edits) p[at] = value;
      return p.subarray(0, Math.max(0, p.length - cut));
    }),
  );

  it("inbound: random and damaged datagrams, single or in GRO trains, plain or offloading TUN", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(datagram, routes, fc.integer({ min: 0, max: 2000 })), { maxLength: 20 }), fc.boolean(), (datagrams, vnet) => {
        const { socket, into, counters, drain, tun } = setup({ vnet });
        let expected = 0;
        for (const [bytes, source, segmentSize] of datagrams) {
          socket.inject(bytes, source, 8285, segmentSize);
          const size = segmentSize > 0 && segmentSize < bytes.length ? segmentSize : bytes.length;
          expected += bytes.length === 0 ? 1 : Math.ceil(bytes.length / size);
        }
        drain(into);
        const c = counters().inbound;
        expect(c.received).toBe(expected);
        expect(c.packets + sum(c.drops)).toBe(c.received);
        expect(Object.keys(c.drops).sort()).toEqual([...INBOUND_DROP_REASONS].sort());
        if (!vnet) expect(tun.written).toHaveLength(c.packets);
      }),
      { numRuns: 300 },
    );
  });

  it("outbound: random reads from a TUN, with random virtio-net headers when offloading", () => {
    const header = fc.record({
      flags: fc.integer({ min: 0, max: 3 }),
      gsoType: fc.constantFrom(0, 1, 3, 4, 0x81),
      gsoSize: fc.integer({ min: 0, max: 2000 }),
      csumStart: fc.integer({ min: 0, max: 100 }),
      csumOffset: fc.integer({ min: 0, max: 100 }),
    });
    fc.assert(
      fc.property(fc.array(fc.tuple(header, datagram), { maxLength: 20 }), fc.boolean(), fc.integer({ min: 1, max: 64 }), (reads, vnet, maxSegments) => {
        const { tun, out, counters, drain, socket } = setup({ vnet, maxSegments });
        for (const [h, bytes] of reads) {
          tun.inject(vnet ? concat(vnetHeader({ ...h, hdrLen: 0 }), bytes) : bytes);
        }
        drain(out);
        const c = counters().outbound;
        expect(c.packets + sum(c.drops)).toBe(c.received);
        expect(Object.keys(c.drops).sort()).toEqual([...OUTBOUND_DROP_REASONS].sort());
        expect(socket.wire().length).toBe(c.packets);
      }),
      { numRuns: 300 },
    );
  });
});
