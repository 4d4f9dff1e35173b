import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EXIT_CODE_TABLE } from "./exit-codes.ts";
import type { CliIo } from "./io.ts";
import { COMMANDS, main, topUsage } from "./main.ts";

async function cli(argv: string[], env: CliIo["env"] = {}) {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

const groupUsage = (group: string) => {
  const lines = COMMANDS.filter((c) => c.name.startsWith(`${group} `)).map((c) => `  ${c.name.padEnd(16)} ${c.summary}`);
  return [`Usage: flannel-ts ${group} <command> [flags]`, "", "Commands:", ...lines, "", `Run flannel-ts ${group} <command> --help for a command's flags.`, ""].join("\n");
};

describe("flannel-ts", () => {
  it.each([
    [[], { code: 2, out: "", err: topUsage() }],
    [["--help"], { code: 0, out: topUsage(), err: "" }],
    [["-h"], { code: 0, out: topUsage(), err: "" }],
    [["help"], { code: 0, out: topUsage(), err: "" }],
    [["config"], { code: 2, out: "", err: groupUsage("config") }],
    [["config", "--help"], { code: 0, out: groupUsage("config"), err: "" }],
    [["subnet", "-h"], { code: 0, out: groupUsage("subnet"), err: "" }],
    [["lease"], { code: 2, out: "", err: groupUsage("lease") }],
    [["lease", "--bogus"], { code: 2, out: "", err: groupUsage("lease") }],
    [["config", "bogus"], { code: 2, out: "", err: 'flannel-ts: unknown command "config bogus"; run flannel-ts config --help for the list\n' }],
    [["bogus"], { code: 2, out: "", err: 'flannel-ts: unknown command "bogus"; run flannel-ts --help for the list\n' }],
    [["bo\u001bgus"], { code: 2, out: "", err: 'flannel-ts: unknown command "bo\\u001bgus"; run flannel-ts --help for the list\n' }],
  ])("%j", async (argv, expected) => {
    expect(await cli(argv)).toEqual(expected);
  });

  it("--version prints the package's version", async () => {
    expect(await cli(["--version"])).toEqual({ code: 0, out: expect.stringMatching(/^flannel-ts \d+\.\d+\.\d+\n$/) as string, err: "" });
  });

  it("the top-level help ends with the one exit-code table", () => {
    expect(topUsage()).toContain(["Exit status:", ...EXIT_CODE_TABLE.map(([code, meaning]) => `  ${String(code).padEnd(4)} ${meaning}`)].join("\n"));
    expect(EXIT_CODE_TABLE.map(([code]) => code)).toEqual([0, 1, 2, 70, 130, 143]);
  });

  it.each(COMMANDS.map((c) => [c.name] as const))("%s --help prints the command's usage on stdout", async (name) => {
    const result = await cli([...name.split(" "), "--help"]);
    expect(result.code).toBe(0);
    expect(result.err).toBe("");
    expect(result.out).toMatch(new RegExp(`^Usage: flannel-ts ${name} `));
  });

  it("with --json, usage errors are JSON objects on stderr, of every command", async () => {
    for (const entry of COMMANDS.filter((c) => c.name !== "demo")) {
      const result = await cli([...entry.name.split(" "), "--json", "--no-such-flag"]);
      expect(result.code, entry.name).toBe(2);
      expect(result.out).toBe("");
      expect(JSON.parse(result.err), entry.name).toEqual({
        error: { kind: "unknown-flag", flag: "--no-such-flag", message: `unknown flag "--no-such-flag"; run flannel-ts ${entry.name} --help for the list`, exitCode: 2 },
      });
    }
    expect(JSON.parse((await cli(["bogus", "--json"])).err)).toEqual({
      error: { kind: "unknown-command", message: 'unknown command "bogus"; run flannel-ts --help for the list', exitCode: 2 },
    });
  });

  it("with --json, runtime failures are JSON too", async () => {
    const result = await cli(["config", "check", "@/dev/zero", "--json"]);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.err)).toEqual({
      error: {
        kind: "file-read",
        path: "/dev/zero",
        code: "ENOTREG",
        fileType: "character device",
        message: "cannot read /dev/zero: it is a character device, not a regular file",
        exitCode: 1,
      },
    });
  });

  it("--help and a command's usage error load no command module and neither etcd3 nor dockerode", () => {
    // A resolve hook reports every module the process loads.
    const hook = `data:text/javascript,${
      encodeURIComponent(`
      export async function resolve(specifier, context, next) {
        const resolved = await next(specifier, context);
        process.stderr.write("loaded " + resolved.url + "\\n");
        return resolved;
      }`)
    }`;
    const register = `data:text/javascript,${encodeURIComponent(`import { register } from "node:module"; register(${JSON.stringify(hook)});`)}`;
    const script = fileURLToPath(new URL("./main.ts", import.meta.url));
    for (const argv of [["--help"], ["leases", "--help"], ["docker-config", "--bogus"], ["agent", "--mtu"], ["pipework", "--help"], ["pipework", "br1", "web", "10.9.0.2/33"]]) {
      const child = spawnSync(process.execPath, ["--import", register, "--import", "tsx", script, ...argv], { encoding: "utf8", timeout: 30_000 });
      const loaded = child.stderr.split("\n").filter((l) => l.startsWith("loaded ")).map((l) => l.slice("loaded ".length));
      expect(loaded.some((url) => url.endsWith("/cli/main.ts")), argv.join(" ")).toBe(true);
      expect(loaded.filter((url) => /\/cli\/commands\/|\/etcd3\/|\/dockerode\/|\/koffi\//.test(url)), argv.join(" ")).toEqual([]);
    }
  }, 60_000);

  it("a dependency's deprecated call reaches the user neither as a warning nor, under --throw-deprecation, as a crash; FLANNEL_TS_DEBUG=1 shows it", () => {
    // A module loaded first that makes a deprecated call while the CLI prints, as a client library would while a command runs.
    const deprecated = `data:text/javascript,${
      encodeURIComponent(`
      import { deprecate } from "node:util";
      const write = process.stdout.write.bind(process.stdout);
      process.stdout.write = (...args) => { deprecate(() => 0, "old call", "DEP_FLANNEL_TS_TEST")(); return write(...args); };`)
    }`;
    const script = fileURLToPath(new URL("./main.ts", import.meta.url));
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ["--throw-deprecation", "--import", "tsx", "--import", deprecated, script, "--version"], {
        encoding: "utf8",
        timeout: 30_000,
        env: { PATH: process.env["PATH"] ?? "", ...env },
      });
    const quiet = run({});
    expect({ status: quiet.status, stderr: quiet.stderr }).toEqual({ status: 0, stderr: "" });
    expect(quiet.stdout).toMatch(/^flannel-ts \d/);
    const debug = run({ FLANNEL_TS_DEBUG: "1" });
    expect(debug.stderr).toContain("old call");
  }, 60_000);
});
