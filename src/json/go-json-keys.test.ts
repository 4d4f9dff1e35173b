import { describe, expect, it } from "vitest";
import { foldGoKey, goFieldMembers } from "./go-json-keys.ts";
import { parseJsonTree } from "./parse-json-tree.ts";

describe("Go's key folding", () => {
  it("folds as Go's encoding/json matches field names", () => {
    expect(["SubnetLen", "SUBNETLEN", "ſubnetLen", "\u212Aey", "İd"].map(foldGoKey)).toEqual(["subnetlen", "subnetlen", "subnetlen", "key", "i̇d"]);
  });

  it("finds every member Go decodes into a field, in file order", () => {
    const root = parseJsonTree('{"port": 1, "Ports": 2, "PORT": 3, "ſ": 4, "Port": 5}')._unsafeUnwrap().root;
    if (root?.type !== "object") throw new Error("object expected");
    expect(goFieldMembers(root, "Port").map((m) => [m.key, m.line, m.column])).toEqual([
      ["port", 1, 2],
      ["PORT", 1, 25],
      ["Port", 1, 44],
    ]);
    expect(goFieldMembers(root, "S").map((m) => m.key)).toEqual(["ſ"]);
  });
});
