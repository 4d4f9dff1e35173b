import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonNodeValue, parseJsonDocument } from "./json-document.ts";
import { DEFAULT_JSON_STYLE, detectJsonStyle, formatJsonValue, setJsonMember } from "./json-edit.ts";

describe("parseJsonDocument", () => {
  it("reads values like JSON.parse, keeping positions", () => {
    const text = '{\n  "a": [1, -2.5e3, true, null],\n  "b": {"c": "x\\u00e9\\n"}\n}\n';
    const doc = parseJsonDocument(text)._unsafeUnwrap();
    expect(jsonNodeValue(doc.root!)).toEqual(JSON.parse(text));
    const root = doc.root!;
    if (root.type !== "object") throw new Error("object expected");
    expect(root.members.map((m) => [m.key, m.line, m.column])).toEqual([["a", 2, 3], ["b", 3, 3]]);
    expect(text.slice(root.members[0]!.value.start, root.members[0]!.value.end)).toBe("[1, -2.5e3, true, null]");
  });

  it("accepts a byte-order mark and an empty text", () => {
    expect(parseJsonDocument('\ufeff{"a": 1}')._unsafeUnwrap()).toMatchObject({ bom: true, duplicates: [] });
    expect(parseJsonDocument(" \n\t")._unsafeUnwrap()).toEqual({ text: " \n\t", bom: false, root: undefined, duplicates: [] });
  });

  it("reports repeated keys at every level with both positions", () => {
    const doc = parseJsonDocument('{\n  "mtu": 1400,\n  "log-opts": {"a": "1", "a": "2"},\n  "mtu": 1450\n}')._unsafeUnwrap();
    expect(doc.duplicates).toEqual([
      { parent: "log-opts", key: "a", line: 3, column: 26, firstLine: 3, firstColumn: 16 },
      { parent: "", key: "mtu", line: 4, column: 3, firstLine: 2, firstColumn: 3 },
    ]);
    expect(jsonNodeValue(doc.root!)).toEqual({ mtu: 1450, "log-opts": { a: "2" } });
  });

  // The Go messages are dockerd's (checked against dockerd 20.10.24 and 26.1.5).
  it.each([
    ['{"mtu": 1450,}', 1, 14, "invalid character '}' looking for beginning of object key string", "trailing commas are not allowed in JSON; remove the comma before }"],
    ['{"mtu": 1450 // c\n}', 1, 14, "invalid character '/' after object key:value pair", "comments are not allowed in JSON; remove the comment"],
    ['{\n  /* note */\n  "mtu": 1}', 2, 3, "invalid character '/' looking for beginning of object key string", "comments are not allowed in JSON; remove the comment"],
    ['{"hosts": ["a",]}', 1, 16, "invalid character ']' looking for beginning of value", "trailing commas are not allowed in JSON; remove the comma before ]"],
    ['{"a":1} x', 1, 9, "invalid character 'x' after top-level value", undefined],
    ['{"a" 1}', 1, 6, "invalid character '1' after object key", undefined],
    ['{"a": 01}', 1, 8, "invalid character '1' after object key:value pair", undefined],
    ['{"a": tru}', 1, 10, "invalid character '}' in literal true (expecting 'e')", undefined],
    ['{"a": "x\ny"}', 1, 9, "invalid character '\\n' in string literal", "control characters must be escaped inside strings (a string cannot span lines)"],
    ['{"a": "\\q"}', 1, 9, "invalid character 'q' in string escape code", undefined],
    ['{"a": 1.}', 1, 9, "invalid character '}' after decimal point in numeric literal", undefined],
    ["{'a': 1}", 1, 2, "invalid character '\\'' looking for beginning of object key string", undefined],
    ['{"a": [1, 2}', 1, 12, "invalid character '}' after array element", undefined],
    ['{"a": 1', 1, 8, "unexpected end of JSON input", "the text ends too early; close every { and ["],
  ])("refuses %j at line %i, column %i", (text, line, column, goMessage, hint) => {
    const error = parseJsonDocument(text)._unsafeUnwrapErr();
    expect(error).toMatchObject({ kind: "json-syntax", line, column, goMessage });
    expect(error.message).toBe(`line ${line}, column ${column}: ${hint === undefined ? goMessage : `${hint} (dockerd: ${goMessage})`}`);
  });

  it("agrees with JSON.parse on every JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value, null, 2);
        const doc = parseJsonDocument(text)._unsafeUnwrap();
        expect(jsonNodeValue(doc.root!)).toEqual(JSON.parse(text));
      }),
    );
  });
});

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
    expect(detectJsonStyle(parseJsonDocument('{\n\t"a" : 1,\n\t"b" : {"c":2}\n}')._unsafeUnwrap())).toEqual({ indent: "\t", newline: "\n", keySeparator: " : ", itemSeparator: ", " });
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
