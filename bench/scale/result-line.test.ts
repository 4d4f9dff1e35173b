import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { formatResultLine, parseResultLine } from "./result-line.ts";

describe("formatResultLine", () => {
  it("writes the issue's fields in order, integers as they are and other numbers with one decimal", () => {
    expect(
      formatResultLine([
        ["hosts", 1000],
        ["etcd_nodes", 3],
        ["duplicates", 0],
        ["lost", 0],
        ["acquire_p50_ms", 512.345],
        ["acquire_p99_ms", 1400],
        ["fanout_p50_ms", 95.04],
        ["fanout_p99_ms", 1999.96],
        ["rss_mb", 812.5],
      ]),
    ).toBe("hosts=1000 etcd_nodes=3 duplicates=0 lost=0 acquire_p50_ms=512.3 acquire_p99_ms=1400 fanout_p50_ms=95.0 fanout_p99_ms=2000.0 rss_mb=812.5");
  });

  it.each([
    { fields: [["check", true]] as const, want: "check=yes" },
    { fields: [["check", false]] as const, want: "check=no" },
    { fields: [["fanout_p99_ms", Number.NaN]] as const, want: "fanout_p99_ms=nan" },
    { fields: [["connections", "per-host"]] as const, want: "connections=per-host" },
    { fields: [] as const, want: "" },
  ])("$want", ({ fields, want }) => {
    expect(formatResultLine(fields)).toBe(want);
  });

  it.each([
    { fields: [["Hosts", 1]] as const },
    { fields: [["fan out", 1]] as const },
    { fields: [["x", "two words"]] as const },
    { fields: [["x", "a=b"]] as const },
    { fields: [["x", Number.POSITIVE_INFINITY]] as const },
  ])("refuses $fields", ({ fields }) => {
    expect(() => formatResultLine(fields)).toThrow(RangeError);
  });
});

describe("parseResultLine", () => {
  it("reads back what formatResultLine wrote", () => {
    const line = formatResultLine([["hosts", 300], ["fanout_p99_ms", 412.345], ["check", "pass"]]);
    expect(parseResultLine(line)).toEqual(ok(new Map([["hosts", "300"], ["fanout_p99_ms", "412.3"], ["check", "pass"]])));
  });

  it.each([
    { line: "hosts=1 [scale] done", want: { kind: "invalid-result-line", field: 2, message: 'field 2 "[scale]" is not key=value' } },
    { line: "hosts=1 hosts=2", want: { kind: "invalid-result-line", field: 2, message: "field 2: hosts appears twice" } },
    { line: "hosts=1  lost=0", want: { kind: "invalid-result-line", field: 2, message: 'field 2 "" is not key=value' } },
  ])("$line", ({ line, want }) => {
    expect(parseResultLine(line)).toEqual(err(want));
  });
});
