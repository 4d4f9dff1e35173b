import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeControl, maskUrlPasswords, oneLine, quoteValue } from "./quote-value.ts";

describe("quoteValue", () => {
  it.each([
    ["10.5.0.0/16", '"10.5.0.0/16"'],
    ['a"b\\c', '"a\\"b\\\\c"'],
    ["a\nb\r\tc\u0000\u001b[31m", '"a\\nb\\r\\tc\\u0000\\u001b[31m"'],
    ["\u202eevil\u2028\u200f", '"\\u202eevil\\u2028\\u200f"'],
    ["lone \ud800 surrogate \udc00", '"lone \\ud800 surrogate \\udc00"'],
    ["a pair \ud83d\ude00 stays", '"a pair \ud83d\ude00 stays"'],
    ["\b\f", '"\\b\\f"'],
    ["x".repeat(61), `"${"x".repeat(60)}…" (61 characters)`],
    ["😀".repeat(61), `"${"😀".repeat(60)}…" (61 characters)`],
  ])("%j -> %s", (text, expected) => {
    expect(quoteValue(text)).toBe(expected);
  });

  it("keeps the excerpt short and on one line for any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 500 }), (text) => {
        const quoted = quoteValue(text);
        // eslint-disable-next-line no-control-regex
        expect(quoted).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/);
        expect(quoted.length).toBeLessThanOrEqual(60 * 6 + 40);
      }),
    );
  });
});

describe("escapeControl, oneLine", () => {
  it("escape what would break a line", () => {
    expect(escapeControl("a\nb")).toBe("a\\nb");
    expect(oneLine("cannot read x:\nbad\u0007")).toBe("cannot read x:\\nbad\\u0007");
    expect(oneLine("y".repeat(3000))).toBe(`${"y".repeat(2000)}… (message cut at 2000 characters)`);
  });
});

describe("maskUrlPasswords", () => {
  it.each([
    ["etcd at http://root:s3cret@10.0.0.1:2379 did not answer", "etcd at http://root:***@10.0.0.1:2379 did not answer"],
    ['"https://u:p@h:1,https://v:q@h:2"', '"https://u:***@h:1,https://v:***@h:2"'],
    ["http://user@h:1", "http://user@h:1"],
    ["no url here: a:b@c", "no url here: a:b@c"],
  ])("%j", (text, expected) => {
    expect(maskUrlPasswords(text)).toBe(expected);
  });
});
