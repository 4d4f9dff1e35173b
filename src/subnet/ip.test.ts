import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { formatIp, ip4, ip6, IP6_MAX, parseIp, parseIp4, parseIp6 } from "./ip.ts";

describe("parseIp4", () => {
  it.each([
    ["0.0.0.0", 0],
    ["10.5.34.1", 0x0a052201],
    ["255.255.255.255", 0xffffffff],
  ])("parses %s", (text, value) => {
    expect(parseIp4(text)).toEqual(ok(ip4(value)));
  });

  it.each([
    ["10.12.13.300", "octet 300 is above 255"],
    ["10.12.13", "expected 4 dot-separated octets, found 3"],
    ["10.12.13.0.1", "expected 4 dot-separated octets, found 5"],
    ["010.1.1.1", 'octet "010" has a leading zero'],
    ["10.1.1.x", 'octet "x" is not a decimal number from 0 to 255'],
    [" 10.1.1.1", 'octet " 10" is not a decimal number from 0 to 255'],
    ["10.1.1.", 'octet "" is not a decimal number from 0 to 255'],
  ])("refuses %s", (text, reason) => {
    expect(parseIp4(text)).toEqual(err({ kind: "invalid-ip", input: text, reason, message: `invalid IP address "${text}": ${reason}` }));
  });
});

describe("parseIp6 and formatIp", () => {
  it.each([
    ["::", "::"],
    ["fc00:0:0:1:0:0:0:0", "fc00:0:0:1::"],
    ["FD00:0012:0013::", "fd00:12:13::"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1:0:3:4:5:6:7:8", "1:0:3:4:5:6:7:8"],
    ["::ffff:1.2.3.4", "::ffff:102:304"],
    ["::1", "::1"],
  ])("parses %s and formats it as %s", (text, formatted) => {
    expect(parseIp6(text).map(formatIp)).toEqual(ok(formatted));
  });

  it.each(["fe80::1%eth0", "1.2.3.4", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "g::", "fd00::1/64", "::1/128", "fd00:: 1", "+1::"])("refuses %s", (text) => {
    expect(parseIp6(text).isErr()).toBe(true);
  });

  it("names a stray character and where it is", () => {
    expect(parseIp6("fd00::1/64").mapErr((e) => e.reason)).toEqual(err('unexpected character "/" at offset 7'));
  });
});

describe("round trips", () => {
  it("formatIp then parseIp gives the IPv4 address back", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (v) => {
      expect(parseIp(formatIp(ip4(v)))).toEqual(ok(ip4(v)));
    }));
  });
  it("formatIp then parseIp gives the IPv6 address back", () => {
    const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
    fc.assert(fc.property(groups, (gs) => {
      const value = gs.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
      expect(parseIp(formatIp(ip6(value)))).toEqual(ok(ip6(value)));
    }));
  });
  it("values are frozen and range-checked", () => {
    expect(Object.isFrozen(ip4(1))).toBe(true);
    expect(() => ip4(2 ** 32)).toThrow(RangeError);
    expect(() => ip6(IP6_MAX + 1n)).toThrow(RangeError);
  });
});

describe("hostile addresses", () => {
  it("parseIp, parseIp4 and parseIp6 never throw, and what they accept formats back to the same address", () => {
    const piece = fc.constantFrom("1", "0", "255", "256", ".", ":", "::", "a", "ffff", "fc00", "%", " ", "\n", "\u0000", "1.2.3.4", "٣");
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.array(piece, { maxLength: 16 }).map((p) => p.join(""))), (text) => {
        for (const parse of [parseIp, parseIp4, parseIp6]) {
          const result = parse(text);
          if (result.isOk()) expect(parseIp(formatIp(result.value))).toEqual(ok(result.value));
        }
      }),
      { numRuns: 3000 },
    );
  });
});
