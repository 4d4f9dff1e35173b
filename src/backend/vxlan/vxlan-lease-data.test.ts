import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { mac, parseMac } from "../../netlink/mac.ts";
import { formatVxlanLeaseData, parseVxlanLeaseData } from "./vxlan-lease-data.ts";

const m = (text: string) => parseMac(text)._unsafeUnwrap();

describe("formatVxlanLeaseData", () => {
  it("writes flanneld's bytes: VNI first, the MAC in lower case with colons", () => {
    expect([formatVxlanLeaseData(1, m("be:45:e5:5e:b1:4e")), formatVxlanLeaseData(4096, m("0E-53-D2-3D-53-65")), formatVxlanLeaseData(0, mac(0))]).toEqual([
      '{"VNI":1,"VtepMAC":"be:45:e5:5e:b1:4e"}',
      '{"VNI":4096,"VtepMAC":"0e:53:d2:3d:53:65"}',
      '{"VNI":0,"VtepMAC":"00:00:00:00:00:00"}',
    ]);
  });

  it("reads back what it writes, for any VNI and MAC", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0, max: 2 ** 48 - 1 }), (vni, value) => {
        expect(parseVxlanLeaseData(formatVxlanLeaseData(vni, mac(value)))).toEqual(ok({ vni, vtepMac: mac(value) }));
      }),
    );
  });
});

describe("parseVxlanLeaseData reads a peer's data as flanneld's json.Unmarshal does", () => {
  it.each<[string, string, ReturnType<typeof parseVxlanLeaseData>]>([
    ["flanneld's own", '{"VNI":1,"VtepMAC":"be:45:e5:5e:b1:4e"}', ok({ vni: 1, vtepMac: m("be:45:e5:5e:b1:4e") })],
    ["keys in another case, spaces", ' { "vni" : 7 , "vtepmac" : "BE:45:E5:5E:B1:4E" } ', ok({ vni: 7, vtepMac: m("be:45:e5:5e:b1:4e") })],
    ["the last duplicate wins", '{"VtepMAC":"00:00:00:00:00:01","VtepMAC":"be:45:e5:5e:b1:4e"}', ok({ vtepMac: m("be:45:e5:5e:b1:4e") })],
    ["no VNI, or null", '{"VNI":null,"VtepMAC":"be:45:e5:5e:b1:4e"}', ok({ vtepMac: m("be:45:e5:5e:b1:4e") })],
    ["unknown fields are ignored", '{"VNI":1,"VtepMAC":"be:45:e5:5e:b1:4e","Extra":[1]}', ok({ vni: 1, vtepMac: m("be:45:e5:5e:b1:4e") })],
    ["no VtepMAC", '{"VNI":1}', err({ kind: "invalid-vxlan-lease-data", field: "VtepMAC", reason: "missing", message: "VtepMAC: missing" })],
    ["a null VtepMAC", '{"VtepMAC":null}', err({ kind: "invalid-vxlan-lease-data", field: "VtepMAC", reason: "missing", message: "VtepMAC: missing" })],
    [
      "a VtepMAC that is not a string",
      '{"VtepMAC":12}',
      err({ kind: "invalid-vxlan-lease-data", field: "VtepMAC", reason: "12 is not a string", message: "VtepMAC: 12 is not a string" }),
    ],
    [
      "a VtepMAC of five octets",
      '{"VtepMAC":"be:45:e5:5e:b1"}',
      err({
        kind: "invalid-vxlan-lease-data",
        field: "VtepMAC",
        reason: 'invalid MAC address "be:45:e5:5e:b1": expected 6 octets, found 5',
        message: 'VtepMAC: invalid MAC address "be:45:e5:5e:b1": expected 6 octets, found 5',
      }),
    ],
    [
      "a VNI out of range",
      '{"VNI":-1,"VtepMAC":"be:45:e5:5e:b1:4e"}',
      err({
        kind: "invalid-vxlan-lease-data",
        field: "VNI",
        reason: "-1 is not a VNI (a whole number from 0 to 4294967295)",
        message: "VNI: -1 is not a VNI (a whole number from 0 to 4294967295)",
      }),
    ],
    ["an array", "[1]", err({ kind: "invalid-vxlan-lease-data", reason: "expected a JSON object, found [1]", message: "expected a JSON object, found [1]" })],
  ])("%s", (_name, raw, expected) => {
    expect(parseVxlanLeaseData(raw)).toEqual(expected);
  });

  it("says where text is not JSON", () => {
    const result = parseVxlanLeaseData('{"VNI":1,');
    expect(result.isErr() && result.error.kind).toBe("invalid-vxlan-lease-data");
    expect(result.isErr() && result.error.message).toMatch(/^not JSON: /);
  });

  it("never throws, whatever the text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
        const result = parseVxlanLeaseData(text);
        expect(result.isOk() || result.error.kind === "invalid-vxlan-lease-data").toBe(true);
      }),
    );
  });
});
