import { describe, expect, it } from "vitest";
import { createReporter } from "./reporter.ts";

function sink(env: Record<string, string> = {}) {
  const lines: string[] = [];
  return { io: { out: () => undefined, err: (t: string) => void lines.push(t), env }, lines };
}

describe("createReporter", () => {
  it("prints an error as one prefixed line and returns its exit code", () => {
    const { io, lines } = sink();
    const report = createReporter(io, "flannel-ts leases", false);
    expect(report.error({ kind: "x", message: "etcd at http://root:pw@h:1 did not answer:\nEOF" }, 1)).toBe(1);
    expect(report.error("plain")).toBe(1);
    report.warning("careful");
    expect(lines).toEqual(["flannel-ts leases: etcd at http://root:***@h:1 did not answer:\\nEOF\n", "flannel-ts leases: plain\n", "flannel-ts leases: warning: careful\n"]);
  });

  it("with JSON, prints one object per line with the error's fields", () => {
    const { io, lines } = sink();
    const report = createReporter(io, "flannel-ts config check", true);
    expect(report.error({ kind: "outside-network", message: "SubnetMin 10.4.0.0 is outside", field: "SubnetMin", line: 1, column: 58, big: 1n }, 1)).toBe(1);
    report.warning("overlap");
    expect(lines.map((l) => JSON.parse(l) as unknown)).toEqual([
      { error: { kind: "outside-network", field: "SubnetMin", line: 1, column: 58, big: "1", message: "SubnetMin 10.4.0.0 is outside", exitCode: 1 } },
      { warning: { message: "overlap" } },
    ]);
    expect(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n"))).toBe(true);
  });

  it("an internal error is one line without a stack, unless FLANNEL_TS_DEBUG=1", () => {
    const cause = new TypeError("Cannot read properties of undefined (reading 'x')");
    const plain = sink();
    expect(createReporter(plain.io, "flannel-ts udp", false).internal(cause)).toBe(70);
    expect(plain.lines).toEqual(["flannel-ts udp: internal error: TypeError: Cannot read properties of undefined (reading 'x') (FLANNEL_TS_DEBUG=1 shows where)\n"]);
    const json = sink();
    createReporter(json.io, "flannel-ts udp", true).internal(cause);
    expect(JSON.parse(json.lines[0] ?? "")).toEqual({
      error: { kind: "internal", message: "internal error: TypeError: Cannot read properties of undefined (reading 'x')", exitCode: 70 },
    });
    const debug = sink({ FLANNEL_TS_DEBUG: "1" });
    createReporter(debug.io, "flannel-ts udp", false).internal(cause);
    expect(debug.lines[0]).toBe("flannel-ts udp: internal error: TypeError: Cannot read properties of undefined (reading 'x')\n");
    expect(debug.lines[1]).toMatch(/^TypeError: Cannot read properties.*\n\s+at /s);
  });
});
