import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { addr, ipv4Packet, referenceChecksum } from "../../../test/helpers/ipv4-packets.ts";
import { checkIpv4Packet, formatIpv4Header, type Ipv4HeaderFields, parseIpv4Header } from "./ipv4-header.ts";

const fields: Ipv4HeaderFields = {
  tos: 0,
  totalLength: 84,
  identification: 0x1234,
  flags: 0b010,
  fragmentOffset: 0,
  ttl: 64,
  protocol: 1,
  source: addr("10.5.1.2"),
  destination: addr("10.5.2.3"),
  options: new Uint8Array(0),
};

describe("parseIpv4Header", () => {
  it("reads every field of a header built by hand from RFC 791", () => {
    const packet = ipv4Packet({ source: "10.5.1.2", destination: "10.5.2.3", protocol: 1, payload: new Uint8Array(64) });
    expect(parseIpv4Header(packet)).toEqual(ok({ ...fields, headerLength: 20, checksum: (packet[10]! << 8) | packet[11]! }));
  });

  it("reads options, fragment fields and TOS", () => {
    const options = Uint8Array.of(0x94, 0x04, 0, 0); // Router Alert
    const packet = ipv4Packet({
      source: "192.0.2.1",
      destination: "192.0.2.2",
      protocol: 17,
      payload: new Uint8Array(8),
      options,
      fragment: (0b001 << 13) | 185,
      tos: 0xb8,
      ttl: 1,
      id: 7,
    });
    const header = parseIpv4Header(packet)._unsafeUnwrap();
    expect({ ...header, options: [...header.options] }).toEqual({
      tos: 0xb8,
      totalLength: 32,
      identification: 7,
      flags: 0b001,
      fragmentOffset: 185,
      ttl: 1,
      protocol: 17,
      source: addr("192.0.2.1"),
      destination: addr("192.0.2.2"),
      options: [0x94, 0x04, 0, 0],
      headerLength: 24,
      checksum: header.checksum,
    });
  });

  const good = ipv4Packet({ source: "10.5.1.2", destination: "10.5.2.3", protocol: 6, payload: new Uint8Array(20) });
  const patched = (at: number, value: number): Uint8Array => {
    const p = good.slice();
    p[at] = value;
    return p;
  };
  it.each(
    [
      ["truncated", good.subarray(0, 19), 19, "19 bytes are too short for an IPv4 header (20 bytes at least)"],
      ["bad-version", patched(0, 0x65), 6, "IP version 6 is not 4"],
      ["bad-header-length", patched(0, 0x44), 16, "IPv4 header length 16 is not between 20 and the packet length 40"],
      ["bad-header-length", patched(0, 0x4f), 60, "IPv4 header length 60 is not between 20 and the packet length 40"],
      ["bad-total-length", good.subarray(0, 39), 40, "IPv4 total length 40 does not match the 39 bytes of the packet"],
      ["bad-checksum", patched(8, 63), (good[10]! << 8) | good[11]!, `IPv4 header checksum 0x${((good[10]! << 8) | good[11]!).toString(16)} does not verify`],
    ] as const,
  )("refuses %s (%#)", (problem, bytes, value, message) => {
    expect(parseIpv4Header(bytes)).toEqual(err({ kind: "invalid-ipv4-packet", problem, value, message }));
    expect(checkIpv4Packet(bytes, 0, bytes.length)).toBe(problem);
  });

  it("checks a packet in the middle of a buffer", () => {
    const buffer = new Uint8Array(100);
    buffer.set(good, 30);
    expect(checkIpv4Packet(buffer, 30, good.length)).toBeUndefined();
    expect(checkIpv4Packet(buffer, 30, good.length + 1)).toBe("bad-total-length");
  });
});

describe("formatIpv4Header", () => {
  it("writes the bytes of a header built by hand", () => {
    const expected = ipv4Packet({ source: "10.5.1.2", destination: "10.5.2.3", protocol: 1, payload: new Uint8Array(64) }).subarray(0, 20);
    expect([...formatIpv4Header(fields)]).toEqual([...expected]);
  });

  it("round-trips any header through parse", () => {
    const header = fc.record({
      tos: fc.integer({ min: 0, max: 255 }),
      identification: fc.integer({ min: 0, max: 0xffff }),
      flags: fc.integer({ min: 0, max: 7 }),
      fragmentOffset: fc.integer({ min: 0, max: 0x1fff }),
      ttl: fc.integer({ min: 0, max: 255 }),
      protocol: fc.integer({ min: 0, max: 255 }),
      source: fc.integer({ min: 0, max: 0xffffffff }),
      destination: fc.integer({ min: 0, max: 0xffffffff }),
      optionWords: fc.integer({ min: 0, max: 10 }),
    });
    fc.assert(
      fc.property(header, fc.integer({ min: 0, max: 100 }), (h, payload) => {
        const { optionWords, ...rest } = h;
        const options = new Uint8Array(optionWords * 4).fill(1);
        const value: Ipv4HeaderFields = { ...rest, options, totalLength: 20 + options.length + payload };
        const packet = new Uint8Array(value.totalLength);
        packet.set(formatIpv4Header(value));
        const parsed = parseIpv4Header(packet)._unsafeUnwrap();
        expect({ ...parsed, checksum: 0 }).toEqual({ ...value, headerLength: 20 + options.length, checksum: 0 });
        expect(referenceChecksum(packet.subarray(0, 20 + options.length))).toBe(0);
      }),
    );
  });

  it.each([
    ["ttl", { ...fields, ttl: 256 }],
    ["options", { ...fields, options: new Uint8Array(3) }],
    ["source", { ...fields, source: -1 }],
  ])("throws on an out-of-range %s (a bug in the caller)", (_, bad) => {
    expect(() => formatIpv4Header(bad)).toThrow(RangeError);
  });
});
