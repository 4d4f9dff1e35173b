import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { expectDecoded } from "../../test/helpers/netlink-kernel.ts";
import { hexBytes } from "../../test/helpers/netlink-captures.ts";
import { parseIp } from "../subnet/ip.ts";
import { Attributes } from "./attributes.ts";
import { malformed, truncated } from "./decode-error.ts";
import { parseMac } from "./mac.ts";

// IFLA_IFNAME "nlv1", IFLA_LINKINFO { IFLA_INFO_KIND "vxlan" (no NUL, as iproute2 sends it),
// IFLA_INFO_DATA { IFLA_VXLAN_LINK 3, ID 1, LOCAL 192.0.2.1, LEARNING 0, PORT 8472 } }:
// the attributes of `ip link add nlv1 type vxlan ...` as captured.
const VXLAN_ATTRIBUTES = hexBytes(
  "090003006e6c7631000000003c0012000900010076786c616e0000002c0002000800030003000000080001000100000008000400c0000201050007000000000006000f0021180000",
);

describe("Attributes", () => {
  it("reads nested, padded attributes with typed getters", () => {
    const top = Attributes.parse(VXLAN_ATTRIBUTES, 0, VXLAN_ATTRIBUTES.length)._unsafeUnwrap();
    expect(top.string(3, "IFLA_IFNAME")).toEqual(ok("nlv1"));
    const info = top.nested(18, "IFLA_LINKINFO")._unsafeUnwrap()!;
    expect(info.string(1, "IFLA_INFO_KIND")).toEqual(ok("vxlan"));
    const data = info.nested(2, "IFLA_INFO_DATA")._unsafeUnwrap()!;
    expect([data.u32(1, "ID"), data.u32(3, "LINK"), data.ip4(4, "LOCAL"), data.u8(7, "LEARNING"), data.u16be(15, "PORT")]).toEqual([
      ok(1),
      ok(3),
      ok(parseIp("192.0.2.1")._unsafeUnwrap()),
      ok(0),
      ok(8472),
    ]);
    expect(data.has(23)).toBe(false);
    expect(data.u32(23, "GBP")).toEqual(ok(undefined));
  });

  it("reads addresses of either family by their length, and MACs", () => {
    const bytes = hexBytes("08000100c00002021400020020010db80000000000000000000000020a000300be45e55eb14e0000");
    const a = Attributes.parse(bytes, 0, bytes.length)._unsafeUnwrap();
    expect(a.ipAnyFamily(1, "DST")).toEqual(ok(parseIp("192.0.2.2")._unsafeUnwrap()));
    expect(a.ipAnyFamily(2, "DST")).toEqual(ok(parseIp("2001:db8::2")._unsafeUnwrap()));
    expect(a.mac(3, "LLADDR")).toEqual(ok(parseMac("be:45:e5:5e:b1:4e")._unsafeUnwrap()));
    expect(a.ip6(1, "DST")).toEqual(err(malformed("DST", 4, "4 bytes (expected 16)")));
    expect(a.mac(1, "LLADDR")).toEqual(err(malformed("LLADDR", 4, "4 bytes (expected 6)")));
  });

  it.each([
    ["an attribute header cut short", "0800010001000000ff00", truncated("nlattr", 8, 4, 2)],
    ["nla_len below 4", "0200010001000000", malformed("nlattr", 0, "nla_len 2 is below 4")],
    ["nla_len past the end", "0c0001000100000000000000".slice(0, 16), truncated("nlattr of type 1", 0, 12, 8)],
  ])("refuses %s", (_, hex, error) => {
    const bytes = hexBytes(hex);
    expect(Attributes.parse(bytes, 0, bytes.length)).toEqual(err(error));
  });

  it("names the nest when an inner attribute is bad", () => {
    const bytes = hexBytes("0c0012000200010000000000");
    const top = Attributes.parse(bytes, 0, bytes.length)._unsafeUnwrap();
    expect(top.nested(18, "IFLA_LINKINFO")).toEqual(err(malformed("nlattr in IFLA_LINKINFO", 4, "nla_len 2 is below 4")));
  });

  it("refuses a 32-bit value of 2 bytes and a string that is not UTF-8", () => {
    const bytes = hexBytes("060004000100000006000300ff000000");
    const a = Attributes.parse(bytes, 0, bytes.length)._unsafeUnwrap();
    expect(a.u32(4, "IFLA_MTU")).toEqual(err(truncated("IFLA_MTU", 4, 4, 2)));
    expect(a.string(3, "IFLA_IFNAME")).toEqual(err(malformed("IFLA_IFNAME", 12, "not UTF-8 text")));
  });

  it("never throws on random bytes, whatever is asked of them", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: 30 }), (bytes, type) => {
        const parsed = Attributes.parse(bytes, 0, bytes.length);
        expectDecoded(parsed);
        if (parsed.isErr()) return;
        const a = parsed.value;
        const reads = [a.u8(type, "x"), a.u16(type, "x"), a.u16be(type, "x"), a.u32(type, "x"), a.string(type, "x"), a.ip4(type, "x"), a.ip6(type, "x")];
        for (const read of [...reads, a.ipAnyFamily(type, "x"), a.mac(type, "x"), a.nested(type, "x")]) expectDecoded(read);
      }),
    );
  });
});
