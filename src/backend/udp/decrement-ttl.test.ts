import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ipv4Packet, referenceChecksum } from "../../../test/helpers/ipv4-packets.ts";
import { decrementTtl } from "./decrement-ttl.ts";

const packet = (ttl: number, id = 0x1234): Uint8Array => ipv4Packet({ source: "10.5.1.2", destination: "10.5.2.3", protocol: 6, payload: new Uint8Array(8), ttl, id });

describe("decrementTtl", () => {
  it.each([64, 255, 2])("TTL %i: the result is the packet built by hand with TTL - 1 (checksum patched per RFC 1624)", (ttl) => {
    const p = packet(ttl);
    expect(decrementTtl(p, 0)).toBe(true);
    expect([...p]).toEqual([...packet(ttl - 1)]);
  });

  it.each([1, 0])("TTL %i: refused, the packet untouched", (ttl) => {
    const p = packet(ttl);
    expect(decrementTtl(p, 0)).toBe(false);
    expect([...p]).toEqual([...packet(ttl)]);
  });

  it("writes 0x0000, not 0xffff, when the new header sums to all ones (RFC 1624's case)", () => {
    let id = 0;
    while (referenceChecksum(packet(63, id).subarray(0, 20).map((b, i) => (i === 10 || i === 11 ? 0 : b))) !== 0) id++;
    const p = packet(64, id);
    expect(decrementTtl(p, 0)).toBe(true);
    expect([p[10], p[11]]).toEqual([0, 0]);
    expect(referenceChecksum(p.subarray(0, 20))).toBe(0);
  });

  it("patches a header at any offset to what a full recomputation gives", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 255 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 255 }), fc.nat(40), (ttl, id, tos, at) => {
        const p = ipv4Packet({ source: "10.5.1.2", destination: "10.5.2.3", protocol: 17, payload: new Uint8Array(4), ttl, id, tos });
        const buffer = new Uint8Array(at + p.length);
        buffer.set(p, at);
        expect(decrementTtl(buffer, at)).toBe(true);
        const expected = ipv4Packet({ source: "10.5.1.2", destination: "10.5.2.3", protocol: 17, payload: new Uint8Array(4), ttl: ttl - 1, id, tos });
        expect(referenceChecksum(buffer.subarray(at, at + 20))).toBe(0);
        expect([...buffer.subarray(at)]).toEqual([...expected]);
      }),
    );
  });
});
