import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { foldKey, jsonValue, parseJsonNode } from "./_json.ts";

describe("parseJsonNode", () => {
  it("reads every JSON value the way JSON.parse does", () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(parseJsonNode(text).map(jsonValue)).toEqual(ok(JSON.parse(text)));
      }),
    );
  });

  it("keeps positions and the literal text of numbers", () => {
    expect(parseJsonNode('{\n  "a": [1.50, -0e3]\n}')).toEqual(
      ok({
        type: "object",
        at: { line: 1, column: 1 },
        entries: [
          {
            key: "a",
            keyAt: { line: 2, column: 3 },
            value: {
              type: "array",
              at: { line: 2, column: 8 },
              items: [
                { type: "number", at: { line: 2, column: 9 }, value: 1.5, raw: "1.50" },
                { type: "number", at: { line: 2, column: 15 }, value: -0, raw: "-0e3" },
              ],
            },
          },
        ],
      }),
    );
  });

  it("decodes escapes", () => {
    expect(parseJsonNode(String.raw`"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00"`).map(jsonValue)).toEqual(ok('a"\\/\b\f\n\r\té😀'));
  });

  it("keeps a __proto__ key as data", () => {
    const value = parseJsonNode('{"__proto__": {"x": 1}}').map(jsonValue)._unsafeUnwrap();
    expect(Object.keys(value as object)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it.each([
    ["{", 1, 2, "unexpected end of input, expected a key in double quotes"],
    ['{"a" 1}', 1, 6, `unexpected '1' after key "a", expected ':'`],
    ['{"a": 1 "b": 2}', 1, 9, `unexpected '"' after the value of "a", expected ',' or '}'`],
    ["[1,]", 1, 3, "trailing comma before ']'"],
    ["[1 2]", 1, 4, "unexpected '2' in array, expected ',' or ']'"],
    ['"abc', 1, 1, "unterminated string"],
    ['"a\nb"', 1, 3, "control character in string; escape it (\\n, \\t, \\u00XX)"],
    ['"\\x"', 1, 2, "invalid escape '\\x' in string"],
    ['"\\u12"', 1, 2, "invalid \\u escape: expected 4 hex digits"],
    ["// c\n{}", 1, 1, "unexpected '/', expected a value"],
    ["\ufeff{}", 1, 1, "unexpected '\ufeff', expected a value"],
    ["tru", 1, 1, "unexpected 't', expected a value"],
    ["-", 1, 1, "unexpected '-', expected a value"],
    ["1.", 1, 1, "malformed number 1."],
    ["NaN", 1, 1, "unexpected 'N', expected a value"],
    ["[".repeat(600), 1, 514, "nesting deeper than 512 levels"],
  ])("refuses %j", (text, line, column, reason) => {
    expect(parseJsonNode(text)).toEqual(err({ line, column, reason }));
  });
});

describe("foldKey", () => {
  it("folds as Go's encoding/json matches field names", () => {
    expect(["SubnetLen", "SUBNETLEN", "ſubnetLen", "\u212Aey"].map(foldKey)).toEqual(["subnetlen", "subnetlen", "subnetlen", "key"]);
  });
});
