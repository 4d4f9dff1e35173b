import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { readRawMembers } from "./read-raw-members.ts";

describe("readRawMembers", () => {
  it.each([
    ['{"a": 1, "b" : { "c": [1, 2] } , "a":"x"}', {
      type: "object",
      members: [{ key: "a", raw: "1", offset: 6 }, { key: "b", raw: '{ "c": [1, 2] }', offset: 15 }, { key: "a", raw: '"x"', offset: 37 }],
    }],
    ['{"\\u0041": null}', { type: "object", members: [{ key: "A", raw: "null", offset: 11 }] }],
    ["{}", { type: "object", members: [] }],
    [' [1, {"a": 2}] ', { type: "other", raw: '[1, {"a": 2}]' }],
    ['"x"', { type: "other", raw: '"x"' }],
  ])("%s", (text, expected) => {
    expect(readRawMembers(text)).toEqual(ok(expected));
  });

  it("checks the whole text, nested values included, within the limits", () => {
    expect(readRawMembers('{"a": [1,]}')).toEqual(err(expect.objectContaining({ kind: "json-syntax", offset: 9 })));
    expect(readRawMembers('{"a": ' + "[".repeat(10_001))).toEqual(err(expect.objectContaining({ kind: "json-too-deep", offset: 10_005 })));
    expect(readRawMembers('{"a": "' + "x".repeat(100) + '"}', { maxBytes: 50 })).toEqual(err(expect.objectContaining({ kind: "json-too-large", offset: 50 })));
  });

  it("gives members whose raw texts are the values JSON.parse reads", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.integer({ min: 0, max: 3 }), (object, indent) => {
        const top = readRawMembers(JSON.stringify(object, null, indent))._unsafeUnwrap();
        if (top.type !== "object") throw new Error("object expected");
        expect(Object.fromEntries(top.members.map((m) => [m.key, JSON.parse(m.raw) as unknown]))).toEqual(JSON.parse(JSON.stringify(object)));
      }),
    );
  });
});
