import fc from "fast-check";
import { err } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseCidr4 } from "../subnet/cidr.ts";
import { daemonJsonSettings, parseDaemonJson } from "./daemon-json.ts";
import { planDaemonJson } from "./plan-daemon-json.ts";
import { validateDaemonJson } from "./validate-daemon-json.ts";

describe("parseDaemonJson", () => {
  // The Go messages are dockerd's (checked against dockerd 20.10.24 and 26.1.5).
  it.each([
    [
      '{"mtu": 1450,}',
      1,
      14,
      "line 1, column 14: trailing commas are not allowed in JSON; remove the comma before } (dockerd: invalid character '}' looking for beginning of object key string)",
    ],
    ['{"mtu": 1450 // c\n}', 1, 14, "line 1, column 14: comments are not allowed in JSON; remove the comment (dockerd: invalid character '/' after object key:value pair)"],
    ['{"a": [1, 2}', 1, 12, "line 1, column 12: invalid character '}' after array element"],
    ['{"a": 1', 1, 8, "line 1, column 8: the text ends too early; close every { and [ (dockerd: unexpected end of JSON input)"],
  ])("refuses %j with line, column and dockerd's words", (text, line, column, message) => {
    expect(parseDaemonJson(text)).toEqual(err(expect.objectContaining({ kind: "json-syntax", line, column, message })));
  });

  it("refuses what is not an object, too deep or too large", () => {
    expect(parseDaemonJson("[1]")).toEqual(
      err({
        kind: "not-an-object",
        line: 1,
        column: 1,
        goMessage: "json: cannot unmarshal array into Go value of type map[string]interface {}",
        message: "line 1, column 1: daemon.json must be a JSON object ({...}), not an array (dockerd: json: cannot unmarshal array into Go value of type map[string]interface {})",
      }),
    );
    expect(parseDaemonJson(`{"x": ${"[".repeat(10_000)}${"]".repeat(10_000)}}`)).toEqual(
      err({
        kind: "json-too-deep",
        offset: 10_005,
        line: 1,
        column: 10_006,
        limit: 10_000,
        goMessage: "invalid character '[' exceeded max depth",
        message: "line 1, column 10006: objects and arrays are nested more than 10000 levels deep (dockerd: invalid character '[' exceeded max depth)",
      }),
    );
    expect(parseDaemonJson(`{"x": "${"x".repeat(4 << 20)}"}`)).toEqual(
      err({
        kind: "json-too-large",
        offset: 4 << 20,
        line: 1,
        column: (4 << 20) + 1,
        limit: 4 << 20,
        message: "line 1, column 4194305: daemon.json is larger than 4194304 bytes, the most flannel-ts reads; a real one is a few KiB",
      }),
    );
    expect(parseDaemonJson('{"x": "12345"}', { maxBytes: 10 })._unsafeUnwrapErr().kind).toBe("json-too-large");
  });

  it("accepts a byte-order mark and an empty file, as dockerd 23+ does", () => {
    expect(parseDaemonJson('\ufeff{"mtu": 1450}')._unsafeUnwrap().document.bom).toBe(true);
    expect(parseDaemonJson(" \n")._unsafeUnwrap().root).toBeUndefined();
  });

  it("plans, checks and merges a daemon.json nested 9,999 levels deep without a stack overflow", () => {
    const deep = `{"log-opts": {"max-size": "10m"}, "x-flannel-note": ${"[".repeat(9_998)}${"]".repeat(9_998)}, "default-address-pools": [{"base": ${"[".repeat(9_996)}${
      "]".repeat(9_996)
    }, "size": 24}]}`;
    const plan = planDaemonJson({ path: "/etc/docker/daemon.json", current: deep, settings: { bip: parseCidr4("10.5.52.1/24")._unsafeUnwrap(), mtu: 1472 } })._unsafeUnwrap();
    expect(plan.after).toBe(`${deep.slice(0, -1)}, "bip": "10.5.52.1/24", "mtu": 1472}`);
    expect(plan.issues.map((i) => [i.kind, i.message.length < 400])).toEqual([
      ["unknown-keys", true],
      ["default-address-pool-invalid", true],
    ]);
  });

  it("never throws on any text, and checks whatever it reads", () => {
    const piece = fc.constantFrom('{"mtu":', '"bip":', '"10.5.52.1/24"', "1450", "[", "]", "{", "}", ",", ":", '"', "\\", "null", "true", "\ufeff", "\u0000", " ", "\n");
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.json(), fc.array(piece, { maxLength: 16 }).map((p) => p.join(""))), (text) => {
        const doc = parseDaemonJson(text);
        if (doc.isErr()) return;
        expect(Array.isArray(validateDaemonJson(doc.value))).toBe(true);
        expect(Array.isArray(daemonJsonSettings(doc.value, "26"))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
