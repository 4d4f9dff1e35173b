import { describe, expect, it } from "vitest";
import { addr, icmpMessage, ipv4Packet, pingPacket, tcpPacket } from "../../../test/helpers/ipv4-packets.ts";
import { buildNetUnreachable, NET_UNREACHABLE_MAX_LENGTH, writeNetUnreachable } from "./icmp-unreachable.ts";

const TUN = addr("10.5.1.0");

/** RFC 792's Destination Unreachable, code 0, as the engine must write it: from the TUN's address, TTL 64, ID 0, no flags. */
function expectedUnreachable(offender: Uint8Array): Uint8Array {
  const ihl = (offender[0]! & 0x0f) * 4;
  const source = [...offender.subarray(12, 16)].join(".");
  return ipv4Packet({
    source: "10.5.1.0",
    destination: source,
    protocol: 1,
    ttl: 64,
    id: 0,
    fragment: 0,
    payload: icmpMessage(3, 0, new Uint8Array(4), offender.subarray(0, Math.min(offender.length, ihl + 8))),
  });
}

describe("ICMP net unreachable", () => {
  it("answers a TCP SYN with its header and first 8 bytes quoted", () => {
    const syn = tcpPacket({ source: "10.5.1.2", destination: "10.9.0.1", seq: 1, flags: 0x02, payload: new Uint8Array(0) });
    expect([...buildNetUnreachable(syn, TUN)!]).toEqual([...expectedUnreachable(syn)]);
  });

  it("answers an echo request (a query), so ping prints Destination Net Unreachable", () => {
    const ping = pingPacket("10.5.1.2", "10.5.9.1");
    const reply = buildNetUnreachable(ping, TUN)!;
    expect([...reply]).toEqual([...expectedUnreachable(ping)]);
    expect(reply.length).toBe(20 + 8 + 20 + 8);
  });

  it("quotes IP options too, and only what there is of a short packet", () => {
    const withOptions = ipv4Packet({ source: "10.5.1.2", destination: "10.9.0.1", protocol: 17, payload: new Uint8Array(100).fill(7), options: Uint8Array.of(1, 1, 1, 0) });
    expect([...buildNetUnreachable(withOptions, TUN)!]).toEqual([...expectedUnreachable(withOptions)]);
    const short = ipv4Packet({ source: "10.5.1.2", destination: "10.9.0.1", protocol: 17, payload: Uint8Array.of(1, 2, 3) });
    expect([...buildNetUnreachable(short, TUN)!]).toEqual([...expectedUnreachable(short)]);
  });

  it.each([
    [
      "an ICMP error (no errors about errors, RFC 1122)",
      ipv4Packet({ source: "10.5.1.2", destination: "10.9.0.1", protocol: 1, payload: icmpMessage(3, 1, new Uint8Array(4), new Uint8Array(28)) }),
    ],
    ["an ICMP time exceeded", ipv4Packet({ source: "10.5.1.2", destination: "10.9.0.1", protocol: 1, payload: icmpMessage(11, 0, new Uint8Array(4), new Uint8Array(28)) })],
    ["ICMP without a type byte", ipv4Packet({ source: "10.5.1.2", destination: "10.9.0.1", protocol: 1, payload: new Uint8Array(0) })],
    ["a non-first fragment", ipv4Packet({ source: "10.5.1.2", destination: "10.9.0.1", protocol: 17, payload: new Uint8Array(16), fragment: 0x2000 | 4 })],
    ["a packet to a multicast group", ipv4Packet({ source: "10.5.1.2", destination: "239.1.1.1", protocol: 17, payload: new Uint8Array(16) })],
    ["a packet to the broadcast address", ipv4Packet({ source: "10.5.1.2", destination: "255.255.255.255", protocol: 17, payload: new Uint8Array(16) })],
    ["a packet from 0.0.0.0", ipv4Packet({ source: "0.0.0.0", destination: "10.9.0.1", protocol: 17, payload: new Uint8Array(16) })],
    ["a packet from loopback", ipv4Packet({ source: "127.0.0.1", destination: "10.9.0.1", protocol: 17, payload: new Uint8Array(16) })],
    ["IPv6", Uint8Array.of(0x60, 0, 0, 0, 0, 8, 17, 64, ...new Uint8Array(40))],
    ["a truncated header", ipv4Packet({ source: "10.5.1.2", destination: "10.9.0.1", protocol: 17, payload: new Uint8Array(16) }).subarray(0, 19)],
    ["a header length beyond the packet", Uint8Array.of(0x4f, ...new Uint8Array(30))],
  ])("stays silent about %s", (_, offender) => {
    expect(buildNetUnreachable(offender, TUN)).toBeUndefined();
  });

  it("writes into a buffer at an offset and reports the length", () => {
    const ping = pingPacket("10.5.1.2", "10.5.9.1");
    const out = new Uint8Array(10 + NET_UNREACHABLE_MAX_LENGTH).fill(0xee);
    const n = writeNetUnreachable(ping, 0, ping.length, TUN, out, 10);
    expect(n).toBe(56);
    expect([...out.subarray(0, 10)]).toEqual(new Array(10).fill(0xee));
    expect([...out.subarray(10, 10 + n)]).toEqual([...expectedUnreachable(ping)]);
  });
});
