import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maskUrlPasswords, oneLine } from "./one-line.ts";

describe("oneLine", () => {
  it("escape what would break a line", () => {
    expect(oneLine("cannot read x:\nbad\u0007")).toBe("cannot read x:\\nbad\\u0007");
    expect(oneLine("y".repeat(3000))).toBe(`${"y".repeat(2000)}… (message cut at 2000 characters)`);
  });

  it("leaves no control character, line break or lone surrogate in any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        // eslint-disable-next-line no-control-regex
        expect(oneLine(text)).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
      }),
    );
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
