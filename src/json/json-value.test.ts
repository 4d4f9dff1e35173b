import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonEquals, type JsonValue, jsonValue, writeJson } from "./json-value.ts";
import { parseJsonTree } from "./parse-json-tree.ts";

const valueOf = (text: string): JsonValue => jsonValue(parseJsonTree(text)._unsafeUnwrap().root!);

describe("jsonValue", () => {
  it("gives plain frozen data, the last of repeated keys winning", () => {
    const value = valueOf('{"a": [1, {"b": null}], "c": "x", "a": [true]}');
    expect(value).toEqual({ a: [true], c: "x" });
    expect([Object.isFrozen(value), Object.isFrozen((value as { a: JsonValue[] }).a)]).toEqual([true, true]);
  });

  it("keeps a __proto__ key as data", () => {
    const value = valueOf('{"__proto__": {"x": 1}}');
    expect(Object.keys(value as object)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it("converts a value nested 10,000 levels deep", () => {
    let value = valueOf("[".repeat(10_000) + "]".repeat(10_000));
    let depth = 0;
    while (Array.isArray(value) && value.length > 0) {
      value = (value as readonly JsonValue[])[0]!;
      depth++;
    }
    expect(depth).toBe(9_999);
  });
});

describe("writeJson", () => {
  it("writes what JSON.stringify writes, with any indent", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 12 }), (value, indent) => {
        expect(writeJson(value as JsonValue, indent)).toBe(JSON.stringify(value, null, indent));
      }),
    );
  });

  // Node's JSON.stringify overflows the call stack on this value (Deno's, with a larger stack, does not).
  it("writes values nested 20,000 levels deep", () => {
    let deep: JsonValue = {};
    for (let i = 0; i < 10_000; i++) deep = { a: [deep] };
    const text = writeJson(deep);
    expect([text.length, text.slice(0, 12)]).toEqual([8 * 10_000 + 2, '{"a":[{"a":[']);
  });
});

describe("jsonEquals", () => {
  it.each<[JsonValue, JsonValue, boolean]>([
    [{ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }, true],
    [{ a: 1 }, { a: 1, b: null }, false],
    [{ a: null }, { b: null }, false],
    [[1, 2], [2, 1], false],
    [[1], { 0: 1 }, false],
    ["1", 1, false],
    [null, null, true],
    [{}, [], false],
  ])("%j and %j: %s", (a, b, expected) => {
    expect([jsonEquals(a, b), jsonEquals(b, a)]).toEqual([expected, expected]);
  });

  it("agrees with comparing JSON.parse results of shuffled texts", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        expect(jsonEquals(a as JsonValue, a as JsonValue)).toBe(true);
        const same = writeJson(a as JsonValue) === writeJson(b as JsonValue);
        if (same) expect(jsonEquals(a as JsonValue, b as JsonValue)).toBe(true);
      }),
    );
  });
});
