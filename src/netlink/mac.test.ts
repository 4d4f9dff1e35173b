import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { formatMac, mac, macBytes, macFromBytes, parseMac } from "./mac.ts";

describe("parseMac", () => {
  it.each([
    ["be:45:e5:5e:b1:4e", 0xbe45e55eb14e],
    ["BE:45:E5:5E:B1:4E", 0xbe45e55eb14e],
    ["0e-53-d2-3d-53-65", 0x0e53d23d5365],
    ["00:00:00:00:00:00", 0],
    ["ff:ff:ff:ff:ff:ff", 2 ** 48 - 1],
  ])("parses %s", (text, value) => {
    expect(parseMac(text)).toEqual(ok(mac(value)));
  });

  it.each([
    ["be:45:e5:5e:b1", "expected 6 octets, found 5"],
    ["be:45:e5:5e:b1:4e:00", "expected 6 octets, found 7"],
    ["be:45:e5:5e:b1:4", 'octet "4" is not two hex digits'],
    ["be:45:e5:5e:b1:4g", 'octet "4g" is not two hex digits'],
    ["be:45-e5:5e:b1:4e", "mixes ':' and '-' separators"],
    ["", "expected 6 octets, found 1"],
  ])("refuses %j", (text, reason) => {
    expect(parseMac(text)).toEqual(err({ kind: "invalid-mac", input: text, reason, message: `invalid MAC address "${text}": ${reason}` }));
  });
});

describe("formatMac and the byte form", () => {
  it("formats lower case with colons, as flanneld's VtepMAC", () => {
    expect(formatMac(mac(0x0e53d23d5365))).toBe("0e:53:d2:3d:53:65");
  });

  it("round-trips every MAC through text and through bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (value) => {
        const address = mac(value);
        expect(parseMac(formatMac(address))).toEqual(ok(address));
        expect(macFromBytes(macBytes(address))).toEqual(address);
      }),
    );
  });

  it("refuses values that are not 48-bit", () => {
    expect(() => mac(2 ** 48)).toThrow(RangeError);
    expect(() => mac(-1)).toThrow(RangeError);
  });
});
