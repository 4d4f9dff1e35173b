import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseMacAddress } from "./parse-mac-address.ts";

const hex = (bytes: readonly number[]): string => bytes.map((b) => b.toString(16).padStart(2, "0")).join(":");

describe("parseMacAddress", () => {
  it.each([
    ["02:42:0a:09:00:02", "02:42:0a:09:00:02"],
    ["02:42:0A:09:00:FF", "02:42:0a:09:00:ff"],
    ["00:16:3e:00:00:01", "00:16:3e:00:00:01"],
  ])("takes %s", (text, mac) => {
    expect(parseMacAddress(text)).toEqual(ok(mac));
  });

  it.each([
    ["01:00:5e:00:00:01", "it is a multicast address (the first octet is odd); an interface needs a unicast one, e.g. with 02 as the first octet"],
    ["ff:ff:ff:ff:ff:ff", "it is a multicast address (the first octet is odd); an interface needs a unicast one, e.g. with 02 as the first octet"],
    ["00:00:00:00:00:00", "all zeros is not an interface address"],
    ["02:42:0a:09:00", "expected six colon-separated pairs of hex digits, e.g. 02:42:0a:09:00:02"],
    ["02-42-0a-09-00-02", "expected six colon-separated pairs of hex digits, e.g. 02:42:0a:09:00:02"],
    ["2:42:a:9:0:2", "expected six colon-separated pairs of hex digits, e.g. 02:42:0a:09:00:02"],
    ["02:42:0a:09:00:02@10", "a VLAN (@vlan) needs Open vSwitch or a physical interface; flannel-ts attaches to Linux bridges, which take none"],
    ["U:myhost", "the U:<text> form (a MAC hashed from a text) is not supported; give the six octets"],
  ])("refuses %s", (text, reason) => {
    expect(parseMacAddress(text)).toEqual(err({ kind: "invalid-mac", input: text, reason, message: `invalid MAC address "${text}": ${reason}` }));
  });

  it("takes every unicast address but all zeros, in either case, and gives it in lower case", () => {
    const octets = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 });
    fc.assert(
      fc.property(octets, fc.boolean(), (bytes, upper) => {
        const text = upper ? hex(bytes).toUpperCase() : hex(bytes);
        const unicast = (bytes[0]! & 1) === 0 && bytes.some((b) => b !== 0);
        const parsed = parseMacAddress(text);
        if (unicast) expect(parsed).toEqual(ok(hex(bytes)));
        else expect(parsed.isErr() && parsed.error.kind).toBe("invalid-mac");
      }),
    );
  });
});
