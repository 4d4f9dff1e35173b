import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { cidr4, cidr6, cidrContainsIp, ip4, ip6, parseCidr, parseIp } from "../subnet/index.ts";
import { formatAddressSpec, parseAddressSpec } from "./parse-address-spec.ts";

const cidr = (text: string) => parseCidr(text)._unsafeUnwrap();
const ip = (text: string) => parseIp(text)._unsafeUnwrap();

describe("parseAddressSpec", () => {
  it.each([
    ["10.9.0.2/24", { address: cidr("10.9.0.2/24") }],
    ["172.20.59.200/24@172.20.59.1", { address: cidr("172.20.59.200/24"), gateway: ip("172.20.59.1") }],
    ["10.9.0.2/32", { address: cidr("10.9.0.2/32") }],
    ["10.9.0.0/31@10.9.0.1", { address: cidr("10.9.0.0/31"), gateway: ip("10.9.0.1") }],
    ["fd00:9::2/64", { address: cidr("fd00:9::2/64") }],
    ["fd00:9::2/64@fd00:9::1", { address: cidr("fd00:9::2/64"), gateway: ip("fd00:9::1") }],
    ["fd00:9::2/64@fe80::1", { address: cidr("fd00:9::2/64"), gateway: ip("fe80::1") }],
  ])("reads %s", (text, spec) => {
    expect(parseAddressSpec(text)).toEqual(ok(spec));
  });

  it.each([
    ["10.9.0.2", "no prefix length: write it as 10.9.0.2/24, or with the prefix of your network"],
    ["fd00:9::2", "no prefix length: write it as fd00:9::2/64, or with the prefix of your network"],
    ["web", "write address/prefix, e.g. 10.9.0.2/24"],
    ["dhcp", "DHCP is not supported: give address/prefix, e.g. 10.9.0.2/24"],
    ["udhcpc-f:-x", "DHCP is not supported: give address/prefix, e.g. 10.9.0.2/24"],
    ["10.9.0.2/33", "prefix length 33 is above 32"],
    ["10.9.0.2/2x", 'prefix length "2x" is not a number'],
    ["10.9.0.2/024", 'prefix length "024" has a leading zero'],
    ["fd00::2/129", "prefix length 129 is above 128"],
    ["10.9.0.2/0", "prefix length 0 would put every address on this link"],
    ["10.9.0.256/24", "octet 256 is above 255"],
    ["10.9.0.0/24", "10.9.0.0 is the network address of 10.9.0.0/24"],
    ["10.9.0.255/24", "10.9.0.255 is the broadcast address of 10.9.0.0/24"],
    ["fd00:9::/64", "fd00:9:: is the subnet-router anycast address of fd00:9::/64"],
    ["127.0.0.2/8", "127.0.0.2 is a loopback address"],
    ["224.0.0.5/24", "224.0.0.5 is a multicast address"],
    ["0.0.0.0/8", "0.0.0.0 is the unspecified address"],
    ["::1/128", "::1 is the loopback address"],
    ["ff02::1/64", "ff02::1 is a multicast address"],
    ["10.9.0.2/24@10.9.0.2", "gateway 10.9.0.2 is the address itself"],
    ["10.9.0.2/24@10.9.1.1", "gateway 10.9.1.1 is outside 10.9.0.0/24"],
    ["10.9.0.2/24@10.9.0.255", "gateway 10.9.0.255 is the broadcast address of 10.9.0.0/24"],
    ["10.9.0.2/24@fd00::1", "gateway fd00::1 is IPv6, the address IPv4"],
    ["10.9.0.2/24@gw", "gateway: expected 4 dot-separated octets, found 1"],
    ["10.9.0.2/32@10.9.0.1", "gateway 10.9.0.1 is outside 10.9.0.2/32"],
    ["fd00:9::2/64@fd00:8::1", "gateway fd00:8::1 is outside fd00:9::/64 (and not link-local)"],
    ["fd00:9::2/64@ff02::2", "gateway ff02::2 is a multicast address"],
    ["10.9.0.2/24@10.9.0.1@x", 'more than one "@": write address/prefix@gateway'],
  ])("refuses %s", (text, reason) => {
    expect(parseAddressSpec(text)).toEqual(err({ kind: "invalid-address", input: text, reason, message: `invalid address "${text}": ${reason}` }));
  });

  it("reads back what formatAddressSpec writes (IPv4 and IPv6, with and without a gateway)", () => {
    const v4 = fc
      .record({
        address: fc.integer({ min: 0x0a000000, max: 0x0affffff }),
        prefix: fc.integer({ min: 8, max: 29 }),
        gw: fc.option(fc.integer({ min: 1, max: 0xffff }), { nil: undefined }),
      })
      .map(({ address, prefix, gw }) => {
        const hostBits = 32 - prefix;
        const network = address & ~((1 << hostBits) - 1) >>> 0;
        const host = (n: number): number => network + 1 + (n % ((1 << hostBits) - 2));
        const a = host(address);
        const g = gw === undefined ? undefined : host(gw);
        return { address: cidr4(a >>> 0, prefix), ...(g !== undefined && g !== a && { gateway: ip4(g >>> 0) }) };
      });
    const v6 = fc
      .record({
        net: fc.bigInt({ min: 0xfd00n << 48n, max: (0xfd00n << 48n) + 0xffffffffffffn }),
        iid: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }),
        gw: fc.option(fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }), { nil: undefined }),
      })
      .map(({ net, iid, gw }) => ({ address: cidr6((net << 64n) | iid, 64), ...(gw !== undefined && gw !== iid && { gateway: ip6((net << 64n) | gw) }) }));
    fc.assert(
      fc.property(fc.oneof(v4, v6), (spec) => {
        if (spec.gateway !== undefined) expect(cidrContainsIp(spec.address, spec.gateway)).toBe(true);
        expect(parseAddressSpec(formatAddressSpec(spec))).toEqual(ok(spec));
      }),
    );
  });

  it("never throws, whatever the text", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."0123456789abcdef.:/@fx%") }), (text) => {
        const parsed = parseAddressSpec(text);
        expect(parsed.isOk() || parsed.error.kind === "invalid-address").toBe(true);
      }),
    );
  });
});
