import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { ip4, ip6, parseIp4, parseIp6 } from "../subnet/ip.ts";
import { compactGoJson, goJsonString } from "../json/go-json-encode.ts";
import { formatLeaseAttrs, type LeaseAttrs, parseLeaseAttrs, parseRawJson, type RawJson, toRawJson } from "./lease-attrs.ts";

const v4 = (s: string) => parseIp4(s)._unsafeUnwrap();
const v6 = (s: string) => parseIp6(s)._unsafeUnwrap();
const raw = (s: string) => s as RawJson;

describe("parseLeaseAttrs reads what flanneld writes", () => {
  it.each<[string, string, LeaseAttrs]>([
    ["udp backend", '{"PublicIP":"192.0.2.1","PublicIPv6":null}', { publicIp: v4("192.0.2.1") }],
    [
      "vxlan backend",
      '{"PublicIP":"192.0.2.1","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0e:2a:1c:3b:4d:5e"}}',
      { publicIp: v4("192.0.2.1"), backendType: "vxlan", backendData: raw('{"VNI":1,"VtepMAC":"0e:2a:1c:3b:4d:5e"}') },
    ],
    ["host-gw backend", '{"PublicIP":"198.51.100.7","PublicIPv6":null,"BackendType":"host-gw"}', { publicIp: v4("198.51.100.7"), backendType: "host-gw" }],
    [
      "dual-stack vxlan",
      '{"PublicIP":"192.0.2.1","PublicIPv6":"2001:db8::1","BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0e:2a:1c:3b:4d:5e"},"BackendV6Data":{"VNI":1,"VtepMAC":"0e:2a:1c:3b:4d:5f"}}',
      {
        publicIp: v4("192.0.2.1"),
        publicIpv6: v6("2001:db8::1"),
        backendType: "vxlan",
        backendData: raw('{"VNI":1,"VtepMAC":"0e:2a:1c:3b:4d:5e"}'),
        backendV6Data: raw('{"VNI":1,"VtepMAC":"0e:2a:1c:3b:4d:5f"}'),
      },
    ],
    ["before PublicIPv6 existed", '{"PublicIP":"192.0.2.1"}', { publicIp: v4("192.0.2.1") }],
    ["old udp backend with a type", '{"PublicIP":"192.0.2.1","BackendType":"udp"}', { publicIp: v4("192.0.2.1"), backendType: "udp" }],
    ["whitespace and another case", ' { "publicip" : "192.0.2.1" ,\n"backendtype":"udp" } ', { publicIp: v4("192.0.2.1"), backendType: "udp" }],
    ["the last duplicate wins", '{"PublicIP":"192.0.2.1","PublicIP":"192.0.2.2"}', { publicIp: v4("192.0.2.2") }],
    ["empty BackendType", '{"PublicIP":"192.0.2.1","BackendType":""}', { publicIp: v4("192.0.2.1") }],
    ["null BackendType", '{"PublicIP":"192.0.2.1","BackendType":null}', { publicIp: v4("192.0.2.1") }],
    ["null BackendData is kept", '{"PublicIP":"192.0.2.1","BackendData":null}', { publicIp: v4("192.0.2.1"), backendData: raw("null") }],
    [
      "unknown fields are kept in order",
      '{"PublicIP":"192.0.2.1","PublicIPv6":null,"Zone":"b","Labels":{"rack": 4}}',
      { publicIp: v4("192.0.2.1"), extraFields: [["Zone", raw('"b"')], ["Labels", raw('{"rack": 4}')]] },
    ],
  ])("%s", (_name, value, expected) => {
    expect(parseLeaseAttrs(value)).toEqual(ok(expected));
  });
});

describe("parseLeaseAttrs refuses what flanneld cannot read", () => {
  it.each<[string, string, string | undefined, string]>([
    ["not JSON", "{PublicIP:1}", undefined, "not JSON: invalid character 'P' looking for beginning of object key string at offset 1"],
    ["trailing comma", '{"PublicIP":"192.0.2.1",}', undefined, "not JSON: invalid character '}' looking for beginning of object key string at offset 24"],
    ["an array", "[1]", undefined, "expected a JSON object, found [1]"],
    ["no PublicIP", '{"PublicIPv6":null}', "PublicIP", "missing: every lease names its host's IPv4 address"],
    ["IPv6 as PublicIP", '{"PublicIP":"2001:db8::1"}', "PublicIP", '"2001:db8::1" is not an IPv4 address'],
    ["null PublicIP", '{"PublicIP":null}', "PublicIP", "null is not an IPv4 address"],
    ["IPv4 as PublicIPv6", '{"PublicIP":"192.0.2.1","PublicIPv6":"192.0.2.1"}', "PublicIPv6", '"192.0.2.1" is not an IPv6 address or null'],
    ["number as BackendType", '{"PublicIP":"192.0.2.1","BackendType":3}', "BackendType", "3 is not a string"],
  ])("%s", (_name, value, field, reason) => {
    const result = parseLeaseAttrs(value);
    expect(result.isErr()).toBe(true);
    const error = result._unsafeUnwrapErr();
    expect(error.kind).toBe("invalid-lease-value");
    expect(error.value).toBe(value);
    expect(error.field).toBe(field);
    expect(error.reason.startsWith(reason)).toBe(true);
    expect(error.message).toContain(reason);
  });
});

describe("formatLeaseAttrs writes what flanneld writes", () => {
  it.each<[string, LeaseAttrs, string]>([
    ["udp backend", { publicIp: v4("192.0.2.1") }, '{"PublicIP":"192.0.2.1","PublicIPv6":null}'],
    [
      "vxlan backend",
      { publicIp: v4("192.0.2.1"), backendType: "vxlan", backendData: toRawJson({ VNI: 1, VtepMAC: "0e:2a:1c:3b:4d:5e" }) },
      '{"PublicIP":"192.0.2.1","PublicIPv6":null,"BackendType":"vxlan","BackendData":{"VNI":1,"VtepMAC":"0e:2a:1c:3b:4d:5e"}}',
    ],
    ["IPv6 in Go's form", { publicIp: v4("192.0.2.1"), publicIpv6: v6("2001:0db8:0:0:0:0:0:1") }, '{"PublicIP":"192.0.2.1","PublicIPv6":"2001:db8::1"}'],
    ["IPv4-mapped IPv6 as Go prints it", { publicIp: v4("192.0.2.1"), publicIpv6: ip6(0xffff_c000_0201n) }, '{"PublicIP":"192.0.2.1","PublicIPv6":"192.0.2.1"}'],
    ["empty BackendType left out", { publicIp: ip4(0), backendType: "" }, '{"PublicIP":"0.0.0.0","PublicIPv6":null}'],
    [
      "raw JSON compacted, HTML characters escaped",
      { publicIp: v4("192.0.2.1"), backendType: "a<b", backendData: raw('{ "x" : "<&>" ,\n "y": [1, 2] }') },
      '{"PublicIP":"192.0.2.1","PublicIPv6":null,"BackendType":"a\\u003cb","BackendData":{"x":"\\u003c\\u0026\\u003e","y":[1,2]}}',
    ],
    [
      "extra fields after the known ones",
      { publicIp: v4("192.0.2.1"), backendType: "udp", extraFields: [["Zone", raw('"b"')]] },
      '{"PublicIP":"192.0.2.1","PublicIPv6":null,"BackendType":"udp","Zone":"b"}',
    ],
  ])("%s", (_name, attrs, expected) => {
    expect(formatLeaseAttrs(attrs)).toBe(expected);
  });
});

describe("Go JSON helpers", () => {
  it.each([
    ["plain", '"plain"'],
    ['q"b\\', '"q\\"b\\\\"'],
    ["\n\r\t\b\f\u0001", '"\\n\\r\\t\\b\\f\\u0001"'],
    ["<>&\u2028\u2029", '"\\u003c\\u003e\\u0026\\u2028\\u2029"'],
    ["\ud800x", '"\ufffdx"'],
    ["é😀", '"é😀"'],
  ])("goJsonString(%j) = %s", (input, expected) => {
    expect(goJsonString(input)).toBe(expected);
  });

  it("keeps escapes inside strings when compacting", () => {
    expect(compactGoJson('{ "a\\" b" : "\\u003c" }')).toBe('{"a\\" b":"\\u003c"}');
  });

  it("checks raw JSON", () => {
    expect(parseRawJson('{"VNI":1}')).toEqual(ok('{"VNI":1}'));
    expect(parseRawJson("01")).toEqual(err({ kind: "invalid-json", offset: 1, message: "invalid JSON: invalid character '1' after top-level value at offset 1" }));
    expect(() => toRawJson(undefined)).toThrow(TypeError);
  });
});

describe("properties", () => {
  const known = new Set(["publicip", "publicipv6", "backendtype", "backenddata", "backendv6data"]);
  const rawJson = fc.json().map((j) => compactGoJson(j) as RawJson);
  const attrs: fc.Arbitrary<LeaseAttrs> = fc
    .record(
      {
        publicIp: fc.integer({ min: 0, max: 0xffffffff }).map(ip4),
        publicIpv6: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).filter((v) => v >> 32n !== 0xffffn).map(ip6),
        backendType: fc.string({ unit: "binary", minLength: 1 }),
        backendData: rawJson,
        backendV6Data: rawJson,
        extraFields: fc.array(fc.tuple(fc.string({ unit: "binary" }).filter((k) => !known.has(k.toLowerCase())), rawJson), { minLength: 1, maxLength: 3 }),
      },
      { requiredKeys: ["publicIp"] },
    );

  it("parse(format(attrs)) gives the attrs back", () => {
    fc.assert(
      fc.property(attrs, (a) => {
        expect(parseLeaseAttrs(formatLeaseAttrs(a))).toEqual(ok(a));
      }),
    );
  });

  it("format(parse(value)) is stable: writing twice gives the same bytes", () => {
    fc.assert(
      fc.property(attrs, (a) => {
        const once = formatLeaseAttrs(a);
        expect(parseLeaseAttrs(once).map(formatLeaseAttrs)).toEqual(ok(once));
      }),
    );
  });

  it("the scanner accepts exactly what JSON.parse accepts", () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(parseRawJson(text).isOk()).toBe(valid);
      }),
    );
  });
});

describe("hostile lease values", () => {
  const nested = (depth: number): string => `{"PublicIP":"192.0.2.9","BackendData":${"[".repeat(depth)}${"]".repeat(depth)}}`;

  it("refuses a value nested deeper than Go's 10,000 levels (14 KB), as an error and not a throw", () => {
    const value = `{"PublicIP":"192.0.2.9","BackendData":${"[".repeat(14_000)}`;
    expect(value.length).toBeGreaterThan(14_000);
    const result = parseLeaseAttrs(value);
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: "invalid-lease-value", reason: "not JSON: nested more than 10000 levels deep at offset 10037" });
    expect(result._unsafeUnwrapErr().message).toBe(
      `invalid lease value "{\\"PublicIP\\":\\"192.0.2.9\\",\\"BackendData\\":[[[[[[[[[[[[[[[[[[[[[[…" (14038 characters): not JSON: nested more than 10000 levels deep at offset 10037`,
    );
  });

  it("reads a value nested as deep as Go allows, keeping the backend data as bytes", () => {
    const value = nested(9_999);
    const attrs = parseLeaseAttrs(value)._unsafeUnwrap();
    expect(attrs.backendData?.length).toBe(2 * 9_999);
    expect(formatLeaseAttrs(attrs)).toBe(`{"PublicIP":"192.0.2.9","PublicIPv6":null,"BackendData":${"[".repeat(9_999)}${"]".repeat(9_999)}}`);
  });

  it("quotes a short excerpt of a huge value, control characters escaped", () => {
    const value = `{"PublicIP":"${"9".repeat(1_000_000)}"}\u001b[2J`;
    const error = parseLeaseAttrs(value)._unsafeUnwrapErr();
    expect(error.message).toBe(
      `invalid lease value "{\\"PublicIP\\":\\"${"9".repeat(47)}…" (1000019 characters): not JSON: invalid character '\\x1b' after top-level value at offset 1000015`,
    );
    const long = parseLeaseAttrs(`{"PublicIP":"${"9".repeat(1_000_000)}"}`)._unsafeUnwrapErr();
    expect([long.message.length < 300, long.reason]).toEqual([true, `"${"9".repeat(49)}… (1000002 characters) is not an IPv4 address (too long)`]);
    expect(parseLeaseAttrs(`{"PublicIP":"192.0.2.1","BackendType":"${"x".repeat(1_572_864)}"}`)._unsafeUnwrapErr().reason).toBe(
      "not JSON: larger than 1572864 bytes (etcd's request limit)",
    );
  });

  it("unquotes an address of many quotes in linear time", () => {
    const started = Date.now();
    expect(parseLeaseAttrs(`{"PublicIP":"${'\\"'.repeat(200_000)}x"}`).isErr()).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("never throws, whatever the value", () => {
    const piece = fc.constantFrom(
      '{"PublicIP":',
      '"192.0.2.1"',
      '"2001:db8::1"',
      ',"PublicIPv6":',
      ',"BackendType":',
      ',"BackendData":',
      "null",
      "[",
      "]",
      "{",
      "}",
      ",",
      '"',
      "\\",
      "1",
      "\u0000",
      "\ufeff",
    );
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.array(piece, { maxLength: 12 }).map((p) => p.join(""))), (value) => {
        const result = parseLeaseAttrs(value);
        if (result.isOk()) expect(parseLeaseAttrs(formatLeaseAttrs(result.value)).isOk()).toBe(true);
        else expect(result.error.kind).toBe("invalid-lease-value");
      }),
      { numRuns: 2000 },
    );
  });
});
