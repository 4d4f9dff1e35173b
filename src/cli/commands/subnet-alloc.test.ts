import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCaptured } from "../_run-captured.ts";
import command from "./subnet-alloc.ts";

const run = (...argv: string[]) => runCaptured(command, argv);

const dir = mkdtempSync(join(tmpdir(), "subnet-alloc-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const small = '{"Network": "10.5.0.0/28", "SubnetLen": 30}'; // 3 subnets: 10.5.0.4, .8, .12

describe("flannel-ts subnet alloc", () => {
  it("prints one free subnet key", async () => {
    expect(await run("--config", small, "--taken", "10.5.0.4-30", "--taken", "10.5.0.12/30", "--seed", "1")).toEqual({ code: 0, out: "10.5.0.8-30\n", err: "" });
  });

  it("is reproducible with --seed and stays in range without it", async () => {
    const config = '{"Network": "10.5.0.0/16"}';
    const a = await run("--config", config, "--seed", "42");
    expect(await run("--config", config, "--seed", "42")).toEqual(a);
    expect(a.out).toMatch(/^10\.5\.\d+\.0-24\n$/);
    const b = await run("--config", config);
    expect([b.code, b.out]).toEqual([0, expect.stringMatching(/^10\.5\.\d+\.0-24\n$/) as string]);
  });

  it("prints dual-stack keys, reading the config from @file", async () => {
    const file = join(dir, "net.json");
    writeFileSync(
      file,
      '{"Network": "10.5.0.0/28", "SubnetLen": 30, "SubnetMin": "10.5.0.8", "SubnetMax": "10.5.0.8", "EnableIPv6": true, "IPv6Network": "fd00::/62", "IPv6SubnetMin": "fd00:0:0:2::", "IPv6SubnetMax": "fd00:0:0:2::"}',
    );
    expect(await run("--config", `@${file}`)).toEqual({ code: 0, out: "10.5.0.8-30&fd00:0:0:2::-64\n", err: "" });
  });

  it('exits 1 with "out of subnets" and the count', async () => {
    expect(await run("--config", small, "--taken", "10.5.0.0/28")).toEqual({
      code: 1,
      out: "",
      err: "flannel-ts subnet alloc: out of subnets: all 3 IPv4 subnets of /30 from 10.5.0.4 to 10.5.0.12 are taken (or overlap a taken subnet)\n",
    });
  });

  it.each([
    [
      ["--config", '{"Network": "10.5.0.0/33"}'],
      1,
      'flannel-ts subnet alloc: line 1, column 13: Network "10.5.0.0/33" is not a CIDR (prefix length 33 is above 32); write it like "10.5.0.0/16"\n',
    ],
    [
      ["--config", small, "--taken", "10.5.0.300-30"],
      2,
      'flannel-ts subnet alloc: --taken: "10.5.0.300-30" is neither a lease key (octet 300 is above 255) nor a CIDR (missing prefix length (/N))\n',
    ],
    [
      ["--config", '{"EnableIPv4": false, "EnableIPv6": true, "IPv6Network": "fd00::/48"}'],
      1,
      "flannel-ts subnet alloc: the config is IPv6-only (EnableIPv4 false), and flannel's lease keys start with an IPv4 subnet: enable IPv4 to lease through etcd\n",
    ],
    [[], 2, "flannel-ts subnet alloc: --config is required: the network config, inline or @path\n"],
    [["--config", small, "--seed", "x"], 2, 'flannel-ts subnet alloc: --seed: "x" is not an integer\n'],
    [["--config", small, "--seed", "99999999999"], 2, 'flannel-ts subnet alloc: --seed: "99999999999" is out of range: give from -2147483648 to 4294967295\n'],
    [["--config", "@/dev/null/x"], 1, "flannel-ts subnet alloc: cannot read /dev/null/x: ENOTDIR: not a directory, stat '/dev/null/x'\n"],
  ])("refuses %j", async (argv, code, err) => {
    expect(await run(...argv)).toEqual({ code, out: "", err });
  });

  it("refuses positional arguments with exit 2", async () => {
    expect(await run("--config", small, "extra")).toEqual({
      code: 2,
      out: "",
      err: 'flannel-ts subnet alloc: unexpected argument "extra": flannel-ts subnet alloc takes only flags (a boolean takes its value as --flag=false)\n',
    });
  });

  it("--json prints the key and the subnets", async () => {
    const result = await run("--config", small, "--taken", "10.5.0.4-30", "--taken", "10.5.0.12/30", "--seed", "1", "--json");
    expect([result.code, JSON.parse(result.out), result.err]).toEqual([0, { key: "10.5.0.8-30", subnet: "10.5.0.8/30", ipv6Subnet: null }, ""]);
  });

  it("--json: out of subnets is a JSON error", async () => {
    const result = await run("--config", small, "--taken", "10.5.0.0/28", "--json");
    expect(result.code).toBe(1);
    expect(JSON.parse(result.err)).toMatchObject({ error: { kind: "out-of-subnets", exitCode: 1 } });
  });
});
