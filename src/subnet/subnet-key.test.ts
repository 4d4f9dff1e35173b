import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { cidr4, cidr6, cidrNetwork } from "./cidr.ts";
import { formatSubnetKey, parseSubnetKey } from "./subnet-key.ts";

describe("parseSubnetKey", () => {
  it.each([
    ["10.5.34.0-24", { ipv4: cidr4(0x0a052200, 24) }],
    ["10.5.34.0-24&fd00:12:13::-56", { ipv4: cidr4(0x0a052200, 24), ipv6: cidr6(0xfd00_0012_0013n << 80n, 56) }],
    ["0.0.0.0-0", { ipv4: cidr4(0, 0) }],
  ])("parses %s", (text, key) => {
    expect(parseSubnetKey(text)).toEqual(ok(key));
  });

  it.each([
    ["10.12.13.300-24", "octet 300 is above 255"],
    ["10.12.13.0-24hi", 'trailing text "hi" after the prefix length'],
    ["10.12.13.0", "missing prefix length: expected <IPv4 address>-<length>"],
    ["10.12.13.0-", 'prefix length "" is not a number'],
    ["10.12.13.0-33", "IPv4 prefix length 33 is above 32"],
    ["10.12.13.1-24", "10.12.13.1 is not the first address of a /24"],
    ["&2001::-56", "IPv6-only keys are not supported: a key starts with the IPv4 subnet"],
    ["2001::-56", "IPv6-only keys are not supported: a key starts with the IPv4 subnet"],
    ["10.5.34.0-24&2001::", "missing prefix length: expected <IPv6 address>-<length>"],
    ["10.5.34.0-24&2001::1-56", "2001::1 is not the first address of a /56"],
    ["10.5.34.0-24&zz::-56", "IPv6 part: not a valid IPv6 address"],
    ["10.5.34.0-024", 'prefix length "024" has a leading zero'],
  ])("refuses %s: %s", (text, reason) => {
    expect(parseSubnetKey(text)).toEqual(err({ kind: "invalid-subnet-key", input: text, reason, message: `invalid subnet key "${text}": ${reason}` }));
  });

  it("round-trips every key", () => {
    const v4 = fc.tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 })).map(([a, p]) => cidrNetwork(cidr4(a, p)));
    const v6 = fc.tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 })).map(([a, p]) => cidrNetwork(cidr6(a, p)));
    fc.assert(fc.property(v4, fc.option(v6, { nil: undefined }), (ipv4, ipv6) => {
      const key = ipv6 === undefined ? { ipv4 } : { ipv4, ipv6 };
      expect(parseSubnetKey(formatSubnetKey(key))).toEqual(ok(key));
    }));
  });
});

describe("hostile subnet keys", () => {
  it("parseSubnetKey never throws, and what it accepts formats back to the same text", () => {
    const piece = fc.constantFrom("10.5.34.0", "-24", "-", "&", "fd00:12::", "-64", "1", ".", ":", "/", "\u0000", "٣");
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.array(piece, { maxLength: 10 }).map((p) => p.join(""))), (text) => {
        const result = parseSubnetKey(text);
        if (result.isOk()) expect(parseSubnetKey(formatSubnetKey(result.value))).toEqual(ok(result.value));
      }),
      { numRuns: 3000 },
    );
  });
});
