import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import {
  type Cidr,
  cidr4,
  cidr6,
  cidrContains,
  cidrContainsIp,
  cidrNetwork,
  cidrOverlaps,
  cidrSize,
  formatCidr,
  lastAddress,
  nextSubnet,
  nthSubnet,
  parseCidr,
  subnetCount,
} from "./cidr.ts";
import { formatIp, parseIp } from "./ip.ts";

const c = (text: string): Cidr => parseCidr(text)._unsafeUnwrap();

describe("parseCidr", () => {
  it.each([
    ["10.5.0.0/16", cidr4(0x0a050000, 16)],
    ["10.5.52.1/24", cidr4(0x0a053401, 24)],
    ["0.0.0.0/0", cidr4(0, 0)],
    ["fc00::/48", cidr6(0xfc00n << 112n, 48)],
  ])("parses %s", (text, value) => {
    expect(parseCidr(text)).toEqual(ok(value));
  });

  it.each([
    ["10.5.0.0", "missing prefix length (/N)"],
    ["10.5.0.0/33", "prefix length 33 is above 32"],
    ["10.5.0.0/024", 'prefix length "024" has a leading zero'],
    ["10.5.0.0/x", 'prefix length "x" is not a number'],
    ["10.5.0.300/16", "octet 300 is above 255"],
    ["fc00::/129", "prefix length 129 is above 128"],
  ])("refuses %s", (text, reason) => {
    expect(parseCidr(text)).toEqual(err({ kind: "invalid-cidr", input: text, reason, message: `invalid CIDR "${text}": ${reason}` }));
  });

  it("round-trips every IPv4 CIDR", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), (a, p) => {
      const value = cidr4(a, p);
      expect(parseCidr(formatCidr(value))).toEqual(ok(value));
    }));
  });
  it("round-trips every IPv6 CIDR", () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 0, max: 128 }), (a, p) => {
      const value = cidr6(a, p);
      expect(parseCidr(formatCidr(value))).toEqual(ok(value));
    }));
  });
});

describe("CIDR math", () => {
  it("network, size and last address", () => {
    expect(formatCidr(cidrNetwork(c("10.5.52.1/24")))).toBe("10.5.52.0/24");
    expect(formatCidr(cidrNetwork(c("fd00:12:13::ff/56")))).toBe("fd00:12:13::/56");
    expect(cidrSize(c("10.5.0.0/16"))).toBe(65536n);
    expect(formatIp(lastAddress(c("10.5.52.0/24")))).toBe("10.5.52.255");
    expect(formatIp(lastAddress(c("fc00::/48")))).toBe("fc00::ffff:ffff:ffff:ffff:ffff");
  });
  it.each([
    ["172.17.0.0/16", "172.17.5.0/24", true, true],
    ["172.17.5.0/24", "172.17.0.0/16", false, true],
    ["172.17.0.0/16", "172.18.0.0/16", false, false],
    ["10.0.0.0/8", "fc00::/48", false, false],
    ["0.0.0.0/0", "203.0.113.0/24", true, true],
  ])("%s contains %s: %s, overlaps: %s", (a, b, contains, overlaps) => {
    expect(cidrContains(c(a), c(b))).toBe(contains);
    expect(cidrOverlaps(c(a), c(b))).toBe(overlaps);
    expect(cidrOverlaps(c(b), c(a))).toBe(overlaps);
  });
  it("contains addresses of its own family only", () => {
    expect(cidrContainsIp(c("10.5.0.0/16"), parseIp("10.5.255.255")._unsafeUnwrap())).toBe(true);
    expect(cidrContainsIp(c("10.5.0.0/16"), parseIp("10.6.0.0")._unsafeUnwrap())).toBe(false);
    expect(cidrContainsIp(c("fc00::/48"), parseIp("fc00:0:0:ffff::1")._unsafeUnwrap())).toBe(true);
    expect(cidrContainsIp(c("fc00::/48"), parseIp("10.0.0.1")._unsafeUnwrap())).toBe(false);
  });
  it("counts, indexes and steps subnets", () => {
    expect(subnetCount(c("10.5.0.0/16"), 24)).toBe(256n);
    expect(subnetCount(c("fc00::/48"), 64)).toBe(65536n);
    expect(nthSubnet(c("10.5.0.0/16"), 24, 34n).map(formatCidr)).toEqual(ok("10.5.34.0/24"));
    expect(nthSubnet(c("fc00::/48"), 64, 65535n).map(formatCidr)).toEqual(ok("fc00:0:0:ffff::/64"));
    expect(nthSubnet(c("10.5.0.0/16"), 24, 256n).isErr()).toBe(true);
    expect(nextSubnet(c("10.5.34.7/24")).map(formatCidr)).toEqual(ok("10.5.35.0/24"));
    expect(nextSubnet(c("255.255.255.0/24")).isErr()).toBe(true);
  });
});

describe("hostile CIDRs", () => {
  it("parseCidr never throws, and what it accepts formats back to the same CIDR", () => {
    const piece = fc.constantFrom("1", "0", "255", ".", ":", "::", "fc00", "/", "/24", "/0", "/33", "/129", "/-1", "/ 24", "/024", " ", "\u0000");
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.array(piece, { maxLength: 16 }).map((p) => p.join(""))), (text) => {
        const result = parseCidr(text);
        if (result.isOk()) expect(parseCidr(formatCidr(result.value))).toEqual(ok(result.value));
      }),
      { numRuns: 3000 },
    );
  });
});
