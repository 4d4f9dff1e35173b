import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { referenceChecksum } from "../../../test/helpers/ipv4-packets.ts";
import { foldChecksum, internetChecksum, onesComplementSum, updateChecksum16 } from "./checksum.ts";

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

describe("Internet checksum (RFC 1071)", () => {
  it("RFC 1071's numerical example: 00 01 f2 03 f4 f5 f6 f7 sums to 0x2ddf0, folded 0xddf2", () => {
    const data = bytes(0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7);
    expect(onesComplementSum(data, 0, data.length)).toBe(0x2ddf0);
    expect(foldChecksum(0x2ddf0)).toBe(0xddf2);
    expect(internetChecksum(data)).toBe(~0xddf2 & 0xffff);
  });

  it.each([
    ["an IPv4 header (192.168.0.1 -> 192.168.0.199, UDP)", bytes(0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0, 0, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7), 0xb861],
    ["an odd length (last byte padded with zero)", bytes(0x01, 0x02, 0x03), ~(0x0102 + 0x0300) & 0xffff],
    ["nothing", bytes(), 0xffff],
  ])("%s", (_, data, expected) => {
    expect(internetChecksum(data)).toBe(expected);
  });

  it("a header holding its own checksum verifies to 0", () => {
    const header = bytes(0x45, 0, 0, 0x73, 0, 0, 0x40, 0, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0, 1, 0xc0, 0xa8, 0, 0xc7);
    expect(internetChecksum(header)).toBe(0);
  });

  it("agrees with the textbook word-by-word definition on any data, any slice", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), fc.nat(), (data, a, b) => {
        const start = data.length === 0 ? 0 : a % data.length;
        const end = start + (data.length === 0 ? 0 : b % (data.length - start + 1));
        expect(internetChecksum(data, start, end)).toBe(referenceChecksum(data.subarray(start, end)));
      }),
    );
  });

  it("gives the same sum at every alignment, on both sides of the four-byte path", () => {
    const data = new Uint8Array(4096);
    for (let i = 0; i < data.length; i++) data[i] = (i * 131 + 7) & 0xff;
    for (let start = 0; start < 8; start++) {
      for (const length of [0, 1, 2, 3, 62, 63, 64, 65, 66, 67, 1500, 1501, 4000]) {
        const slice = data.subarray(start, start + length);
        expect(internetChecksum(data, start, start + length)).toBe(referenceChecksum(slice));
        expect(internetChecksum(slice)).toBe(referenceChecksum(slice));
      }
    }
  });

  it("tells an all-zero range (sum 0) from one that sums to 0xffff", () => {
    expect(foldChecksum(onesComplementSum(new Uint8Array(200), 0, 200))).toBe(0);
    expect(foldChecksum(onesComplementSum(new Uint8Array(200).fill(0xff), 1, 199))).toBe(0xffff);
  });
});

describe("incremental update (RFC 1624)", () => {
  it("RFC 1624 section 4: HC 0xdd2f, m 0x5555 -> m' 0x3285 gives 0x0000 (equation 2 would give 0xffff)", () => {
    expect(updateChecksum16(0xdd2f, 0x5555, 0x3285)).toBe(0x0000);
  });

  it("equals recomputing the checksum after any one word changes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 2, maxLength: 64 }), fc.nat(), fc.integer({ min: 0, max: 0xffff }), (raw, at, word) => {
        const data = raw.length % 2 === 0 ? raw.slice() : raw.slice(0, raw.length - 1);
        if (data.length === 0) return;
        const i = (at % (data.length / 2)) * 2;
        const before = referenceChecksum(data);
        const old = (data[i]! << 8) | data[i + 1]!;
        data[i] = word >> 8;
        data[i + 1] = word & 0xff;
        const after = referenceChecksum(data);
        const updated = updateChecksum16(before, old, word);
        // Both are valid encodings of the same sum; equation 3 differs from a
        // full recomputation only in the all-zero case, where it gives 0xffff.
        if (after !== updated) expect([after, updated].sort()).toEqual([0, 0xffff].sort());
        else expect(updated).toBe(after);
      }),
    );
  });
});
