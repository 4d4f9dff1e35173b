import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_JSON_STYLE, detectJsonStyle, formatJsonValue, setJsonMember } from "./json-edit.ts";
import { parseJsonTree } from "./parse-json-tree.ts";

const parseJsonDocument = (text: string) => parseJsonTree(text, { allowEmpty: true, maxBytes: 4 << 20 });

describe("setJsonMember keeps every other byte", () => {
  const set = (text: string, key: string, value: Parameters<typeof setJsonMember>[3]): string => {
    const doc = parseJsonDocument(text)._unsafeUnwrap();
    if (doc.root?.type !== "object") throw new Error("object expected");
    return setJsonMember(doc, doc.root, key, value);
  };

  it.each([
    ["replace a scalar", '{\n  "bip": "1.2.3.1/24",\n  "mtu": 1500\n}\n', "mtu", 1472, '{\n  "bip": "1.2.3.1/24",\n  "mtu": 1472\n}\n'],
    ["append, two spaces", '{\n  "debug": true\n}\n', "mtu", 1472, '{\n  "debug": true,\n  "mtu": 1472\n}\n'],
    ["append, four spaces", '{\n    "debug": true\n}', "mtu", 1472, '{\n    "debug": true,\n    "mtu": 1472\n}'],
    ["append, tabs and CRLF", '{\r\n\t"debug": true\r\n}\r\n', "bip", "10.5.52.1/24", '{\r\n\t"debug": true,\r\n\t"bip": "10.5.52.1/24"\r\n}\r\n'],
    ["append, one line", '{"debug": true}', "mtu", 1472, '{"debug": true, "mtu": 1472}'],
    ["append, compact", '{"debug":true,"x":1}', "mtu", 1472, '{"debug":true,"x":1,"mtu":1472}'],
    ["empty object", "{}\n", "mtu", 1472, '{\n  "mtu": 1472\n}\n'],
    ["replace the last of repeated keys", '{"mtu": 1, "mtu": 2}', "mtu", 3, '{"mtu": 1, "mtu": 3}'],
    [
      "append an array of objects",
      '{\n  "debug": true\n}\n',
      "default-address-pools",
      [{ base: "10.10.0.0/16", size: 24 }],
      '{\n  "debug": true,\n  "default-address-pools": [\n    {\n      "base": "10.10.0.0/16",\n      "size": 24\n    }\n  ]\n}\n',
    ],
    ["array of scalars stays on one line", '{\n  "debug": true\n}', "hosts", ["unix:///var/run/docker.sock"], '{\n  "debug": true,\n  "hosts": ["unix:///var/run/docker.sock"]\n}'],
  ])("%s", (_name, text, key, value, expected) => {
    expect(set(text, key, value)).toBe(expected);
  });

  it("detects the style", () => {
    expect(detectJsonStyle(parseJsonDocument('{\n\t"a" : 1,\n\t"b" : {"c":2}\n}')._unsafeUnwrap())).toEqual({
      indent: "\t",
      newline: "\n",
      keySeparator: " : ",
      itemSeparator: ", ",
    });
    expect(detectJsonStyle(parseJsonDocument('{"a": {"c":2,"d":3}}')._unsafeUnwrap())).toMatchObject({ keySeparator: ": ", itemSeparator: "," });
    expect(detectJsonStyle(parseJsonDocument("")._unsafeUnwrap())).toEqual(DEFAULT_JSON_STYLE);
  });

  it("formatJsonValue multi-line equals JSON.stringify for objects of objects", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.dictionary(fc.string(), fc.integer())), (value) => {
        expect(formatJsonValue(value, DEFAULT_JSON_STYLE, true)).toBe(JSON.stringify(value, null, 2));
      }),
    );
  });
});

describe("edits at any depth and size", () => {
  it("formats a value nested 10,000 levels deep", () => {
    let deep: Parameters<typeof formatJsonValue>[0] = {};
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const one = formatJsonValue(deep, DEFAULT_JSON_STYLE, false);
    expect([one.length, one.slice(0, 12), one.slice(-3)]).toEqual([7 * 10_000 + 2, '{"a": {"a": ', "}}}"]);
  });

  it("reads the style of a deep one-line file, and edits it, in linear time", () => {
    const text = '{"x": ' + '{"a": '.repeat(9_000) + "1" + "}".repeat(9_000) + ', "y": [' + "1, ".repeat(300_000) + "1]}";
    const doc = parseJsonDocument(text)._unsafeUnwrap();
    const started = Date.now();
    expect(detectJsonStyle(doc)).toEqual({ indent: "  ", newline: "\n", keySeparator: ": ", itemSeparator: ", " });
    if (doc.root?.type !== "object") throw new Error("object expected");
    const edited = setJsonMember(doc, doc.root, "mtu", 1472);
    expect(edited.endsWith('1], "mtu": 1472}')).toBe(true);
    // Quadratic work on this megabyte-long line would take minutes.
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
