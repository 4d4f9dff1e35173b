import { describe, expect, it } from "vitest";
import { defineSpec } from "./command-spec.ts";
import { boolFlag, optionalFlag, valueFlag } from "./flag-spec.ts";
import { flagTypes } from "./flag-types.ts";
import { formatUsage } from "./format-usage.ts";
import { COMMANDS } from "./main.ts";

/** The commands on the flag layer (pipework parses its own arguments). */
const SPECS = COMMANDS.flatMap((c) => (c.spec === undefined ? [] : [{ name: c.name, spec: c.spec }]));

describe("formatUsage", () => {
  it("lays out a command as Go's flag package does, with defaults and variables", () => {
    const spec = defineSpec({
      name: "toy",
      synopsis: "[flags] FILE",
      description: "Does a toy thing.",
      positionals: { name: "FILE", help: "the file", min: 1, max: 1, missing: "", extra: "" },
      flags: {
        port: valueFlag("port", { type: flagTypes.port, default: 8285, help: "the UDP port", env: true }),
        force: boolFlag("force", { help: "replace it" }),
        on: boolFlag("on", { help: "on", default: true, short: "o" }),
        mtu: optionalFlag("mtu", { type: flagTypes.mtu, help: "the MTU", defaultText: "the interface's" }),
        prefix: valueFlag("etcd-prefix", { type: flagTypes.etcdPrefix, default: "/coreos.com/network", help: "prefix" }),
      },
      groups: [{ title: "etcd flags", flags: ["prefix"] }],
      footer: "Example:\n  toy FILE",
    });
    expect(formatUsage(spec)).toBe(
      [
        "Usage: flannel-ts toy [flags] FILE",
        "",
        "Does a toy thing.",
        "",
        "Arguments:",
        "  FILE",
        "        the file",
        "",
        "Flags:",
        "  --port PORT",
        "        the UDP port (default 8285; FLANNELD_PORT)",
        "  --force",
        "        replace it",
        "  -o, --on",
        "        on (default true)",
        "  --mtu N",
        "        the MTU (default the interface's)",
        "  -h, --help",
        "        show this help",
        "",
        "etcd flags:",
        "  --etcd-prefix string",
        '        prefix (default "/coreos.com/network")',
        "",
        "A FLANNELD_* variable sets its flag when the command line does not; an empty one",
        "counts as unset (flanneld's rule).",
        "",
        "Example:",
        "  toy FILE",
        "",
      ].join("\n"),
    );
  });
});

describe("every command's spec", () => {
  it.each(SPECS.map((c) => [c.name, c] as const))("%s: named as in the table, groups name its flags, lines fit 80 columns", async (name, entry) => {
    const spec = await entry.spec();
    expect(spec.name).toBe(name);
    for (const group of spec.groups ?? []) for (const key of group.flags) expect(Object.keys(spec.flags), `${group.title}: ${key}`).toContain(key);
    const names = Object.values(spec.flags).map((f) => f.name);
    expect(new Set(names).size, "flag names are unique").toBe(names.length);
    for (const flag of Object.values(spec.flags)) expect(flag.help, flag.name).not.toBe("");
    for (const line of formatUsage(spec).split("\n")) {
      if (!line.startsWith("Usage: ") && !line.startsWith("  flannel-ts ") && !line.includes("etcdctl")) expect(line.length, line).toBeLessThanOrEqual(80);
    }
  });

  it("every command that prints something has --json, except the demo's transcript", async () => {
    for (const entry of SPECS) {
      const spec = await entry.spec();
      expect(Object.values(spec.flags).some((f) => f.name === "json"), entry.name).toBe(entry.name !== "demo");
    }
  });

  it("flanneld's flags carry their FLANNELD_* variable wherever they appear (but never in the demo)", async () => {
    for (const entry of SPECS) {
      const spec = await entry.spec();
      for (const flag of Object.values(spec.flags)) {
        if (["etcd-endpoints", "etcd-prefix", "etcd-cafile", "etcd-certfile", "etcd-keyfile", "etcd-username", "etcd-password", "subnet-file", "public-ip"].includes(flag.name)) {
          expect(flag.env, `${entry.name} --${flag.name}`).toBe(entry.name !== "demo");
        }
      }
    }
  });
});
