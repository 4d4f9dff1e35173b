import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseInterfaceName } from "./parse-interface-name.ts";

describe("parseInterfaceName", () => {
  it.each(["eth1", "docker0", "br-web", "a", "x_1.2-3", "fifteen-bytes15"])("takes %s", (name) => {
    expect(parseInterfaceName(name)).toEqual(ok(name));
  });

  it.each([
    ["", "it is empty"],
    ["sixteen-bytes-16", "16 bytes, at most 15"],
    ["eth 1", 'character " " is not allowed (use letters, digits, "_", "." and "-")'],
    ["eth1:0", 'character ":" is not allowed (use letters, digits, "_", "." and "-")'],
    ["br/0", 'character "/" is not allowed (use letters, digits, "_", "." and "-")'],
    ["brü", 'character "ü" is not allowed (use letters, digits, "_", "." and "-")'],
    ["-i", 'it starts with "-"'],
    [".", '"." is not a name Linux allows'],
    ["..", '".." is not a name Linux allows'],
  ])("refuses %j: %s", (name, reason) => {
    expect(parseInterfaceName(name)).toEqual(err({ kind: "invalid-interface-name", input: name, reason, message: `invalid interface name "${name}": ${reason}` }));
  });
});
