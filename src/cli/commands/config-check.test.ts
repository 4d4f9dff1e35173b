import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCaptured } from "../_run-captured.ts";
import command from "./config-check.ts";

const run = (...argv: string[]) => runCaptured(command, argv);

const dir = mkdtempSync(join(tmpdir(), "config-check-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("flannel-ts config check", () => {
  it("prints the config with every default, as text", async () => {
    expect(await run('{"Network": "10.3.0.0/16"}')).toEqual({
      code: 0,
      out: [
        "Network:    10.3.0.0/16",
        "SubnetLen:  24",
        "SubnetMin:  10.3.1.0",
        "SubnetMax:  10.3.255.0",
        "Subnets:    255 of /24",
        "EnableIPv4: true",
        "EnableIPv6: false",
        'Backend:    {"Type":"udp"}',
        "",
      ].join("\n"),
      err: "",
    });
  });

  it("prints JSON with flannel's field names with --json, reading @file", async () => {
    const file = join(dir, "net.json");
    writeFileSync(file, '{"network": "10.3.0.0/16", "backend": {"type": "vxlan"}}');
    const result = await run(`@${file}`, "--json");
    expect(result).toEqual({ code: 0, out: expect.any(String) as string, err: "" });
    expect(JSON.parse(result.out)).toEqual({
      Network: "10.3.0.0/16",
      SubnetLen: 24,
      SubnetMin: "10.3.1.0",
      SubnetMax: "10.3.255.0",
      EnableIPv4: true,
      EnableIPv6: false,
      Backend: { type: "vxlan" },
    });
  });

  it("exits 1 with every error on stderr, one per line", async () => {
    expect(await run('{"Network": "10.3.0.0/16", "SubnetLen": 31, "SubnetMin": "10.4.0.0"}')).toEqual({
      code: 1,
      out: "",
      err: [
        "flannel-ts config check: line 1, column 41: SubnetLen 31 is too long: it must be 30 or less, so that each host's subnet holds a bridge and its containers",
        "flannel-ts config check: line 1, column 58: SubnetMin 10.4.0.0 is outside Network 10.3.0.0/16: use an address inside it",
        "",
      ].join("\n"),
    });
  });

  it("warns, without failing, when the network overlaps Docker's address pools (as JSON with --json)", async () => {
    const warning =
      '172.17.0.0/16 overlaps 172.17.0.0/16 from Docker\'s address pools: dockerd may give it to a new network; pick a flannel network outside the pools or set "default-address-pools" in daemon.json';
    const text = await run('{"Network": "172.17.0.0/16"}');
    expect([text.code, text.err]).toEqual([0, `flannel-ts config check: warning: ${warning}\n`]);
    const json = await run('{"Network": "172.17.0.0/16"}', "--json");
    expect([json.code, JSON.parse(json.err)]).toEqual([0, { warning: { message: warning } }]);
  });

  it("with --json, every problem is one JSON object per line on stderr, with its position", async () => {
    const result = await run('{"Network": "10.3.0.0/16", "SubnetLen": 31, "SubnetMin": "10.4.0.0"}', "--json");
    expect(result.code).toBe(1);
    expect(result.out).toBe("");
    const lines = result.err.trimEnd().split("\n").map((l) => JSON.parse(l) as { error: Record<string, unknown> });
    expect(lines.map((l) => [l.error["kind"], l.error["field"], l.error["line"], l.error["column"], l.error["exitCode"]])).toEqual([
      ["subnet-len-too-long", "SubnetLen", 1, 41, 1],
      ["outside-network", "SubnetMin", 1, 58, 1],
    ]);
  });

  it.each([
    [[], 2, "flannel-ts config check: missing the config: give inline JSON or @file; run flannel-ts config check --help for usage\n"],
    [["{}", "{}"], 2, 'flannel-ts config check: unexpected argument "{}": give one config (quote inline JSON)\n'],
    [["{}", "--yaml"], 2, 'flannel-ts config check: unknown flag "--yaml"; run flannel-ts config check --help for the list\n'],
    [["@/nonexistent/net.json"], 1, "flannel-ts config check: cannot read /nonexistent/net.json: it does not exist\n"],
    [["@/dev/zero"], 1, "flannel-ts config check: cannot read /dev/zero: it is a character device, not a regular file\n"],
    [["@/"], 1, "flannel-ts config check: cannot read /: it is a directory, not a regular file\n"],
  ])("refuses %j", async (argv, code, err) => {
    expect(await run(...argv)).toEqual({ code, out: "", err });
  });

  it("refuses a config file over 1 MiB, naming the limit", async () => {
    const file = join(dir, "big.json");
    writeFileSync(file, `{"Network": "10.3.0.0/16", "x": "${"a".repeat(1024 * 1024)}"}`);
    expect(await run(`@${file}`)).toEqual({ code: 1, out: "", err: `flannel-ts config check: cannot read ${file}: it is larger than the limit of 1 MiB\n` });
  });
});
