import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonValue } from "./json-value.ts";
import { parseJsonTree } from "./parse-json-tree.ts";

describe("parseJsonTree", () => {
  it("reads values like JSON.parse, keeping positions", () => {
    const text = '{\n  "a": [1, -2.5e3, true, null],\n  "b": {"c": "x\\u00e9\\n"}\n}\n';
    const doc = parseJsonTree(text)._unsafeUnwrap();
    expect(jsonValue(doc.root!)).toEqual(JSON.parse(text));
    const root = doc.root!;
    if (root.type !== "object") throw new Error("object expected");
    expect(root.members.map((m) => [m.key, m.line, m.column, m.keyStart, m.keyEnd])).toEqual([
      ["a", 2, 3, 4, 7],
      ["b", 3, 3, 36, 39],
    ]);
    const a = root.members[0]!.value;
    expect([text.slice(a.start, a.end), a.line, a.column]).toEqual(["[1, -2.5e3, true, null]", 2, 8]);
    expect(a.type === "array" && a.items.map((n) => (n.type === "number" ? [n.raw, n.value, n.column] : [n.type, n.column]))).toEqual([
      ["1", 1, 9],
      ["-2.5e3", -2500, 12],
      ["boolean", 20],
      ["null", 26],
    ]);
  });

  it("keeps a byte-order mark (when skipped) and reads an empty text (when allowed)", () => {
    expect(parseJsonTree('\ufeff{"a": 1}', { byteOrderMark: "skip" })._unsafeUnwrap()).toMatchObject({
      bom: true,
      duplicates: [],
      root: { type: "object", line: 1, column: 1, start: 1 },
    });
    expect(parseJsonTree(" \n\t", { allowEmpty: true })._unsafeUnwrap()).toEqual({ text: " \n\t", bom: false, root: undefined, duplicates: [] });
    expect(parseJsonTree(" \n\t")._unsafeUnwrapErr()).toMatchObject({ kind: "json-syntax", goMessage: "unexpected end of JSON input" });
  });

  it("lists repeated keys at every level with both positions; the value is the last one's", () => {
    const doc = parseJsonTree('{\n  "mtu": 1400,\n  "log-opts": {"a": "1", "a": "2"},\n  "x": [{"k": 1, "k": 2}],\n  "mtu": 1450\n}')._unsafeUnwrap();
    expect(doc.duplicates).toEqual([
      { parent: "log-opts", key: "a", line: 3, column: 26, firstLine: 3, firstColumn: 16 },
      { parent: "x[0]", key: "k", line: 4, column: 18, firstLine: 4, firstColumn: 10 },
      { parent: "", key: "mtu", line: 5, column: 3, firstLine: 2, firstColumn: 3 },
    ]);
    expect(jsonValue(doc.root!)).toEqual({ mtu: 1450, "log-opts": { a: "2" }, x: [{ k: 2 }] });
  });

  it("names a deep duplicate by its last 8 levels", () => {
    const text = '{"a":'.repeat(12) + '{"k": 1, "k": 2}' + "}".repeat(12);
    expect(parseJsonTree(text)._unsafeUnwrap().duplicates.map((d) => d.parent)).toEqual(["….a.a.a.a.a.a.a.a"]);
  });

  it("builds the tree of a value nested 10,000 levels deep", () => {
    const doc = parseJsonTree('{"a":'.repeat(9_999) + "[]" + "}".repeat(9_999))._unsafeUnwrap();
    let node = doc.root;
    let depth = 0;
    while (node?.type === "object") {
      node = node.members[0]?.value;
      depth++;
    }
    expect([depth, node?.type, node?.column]).toEqual([9_999, "array", 5 * 9_999 + 1]);
  });

  it("agrees with JSON.parse on every JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 4 }), (value, indent) => {
        const text = JSON.stringify(value, null, indent);
        expect(jsonValue(parseJsonTree(text)._unsafeUnwrap().root!)).toEqual(JSON.parse(text));
      }),
    );
  });
});
