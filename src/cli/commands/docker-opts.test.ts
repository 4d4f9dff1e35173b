import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliIo } from "../io.ts";
import command from "./docker-opts.ts";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flannel-ts-docker-opts-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const capture = (env: Record<string, string> = {}): CliIo & { stdout: string[]; stderr: string[] } => {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (t) => stdout.push(t), err: (t) => stderr.push(t), env, stdout, stderr };
};

const subnetEnv = "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.52.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n";

describe("flannel-ts docker-opts", () => {
  it.each([
    [[], 'DOCKER_OPT_BIP="--bip=10.5.52.1/24"\nDOCKER_OPT_IPMASQ="--ip-masq=false"\nDOCKER_OPT_MTU="--mtu=1472"\nDOCKER_OPTS=" --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n'],
    [["-i"], 'DOCKER_OPT_BIP="--bip=10.5.52.1/24"\nDOCKER_OPT_IPMASQ="--ip-masq=false"\nDOCKER_OPT_MTU="--mtu=1472"\n'],
    [["-c"], 'DOCKER_OPTS=" --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n'],
    [["-ic", "-m"], 'DOCKER_OPT_BIP="--bip=10.5.52.1/24"\nDOCKER_OPT_MTU="--mtu=1472"\nDOCKER_OPTS=" --bip=10.5.52.1/24 --mtu=1472"\n'],
    [["-cmk", "OPTS"], 'OPTS=" --bip=10.5.52.1/24 --mtu=1472"\n'],
    [["-c", "-kOPTS"], 'OPTS=" --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n'],
  ])("flags %j", async (flags, expected) => {
    const env = join(dir, "subnet.env");
    const out = join(dir, "docker_opts.env");
    writeFileSync(env, subnetEnv);
    const io = capture();
    expect(await command.run(["-f", env, "-d", out, ...flags], io)).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(expected);
    expect(io.stderr).toEqual([]);
  });

  it("the combined variable starts with its value in the environment", async () => {
    const env = join(dir, "subnet.env");
    const out = join(dir, "docker_opts.env");
    writeFileSync(env, subnetEnv);
    expect(await command.run(["-f", env, "-d", out, "-c"], capture({ DOCKER_OPTS: "-H fd://" }))).toBe(0);
    expect(readFileSync(out, "utf8")).toBe('DOCKER_OPTS="-H fd://  --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n');
  });

  it("a missing env file gives what the script gives, with a warning", async () => {
    const out = join(dir, "docker_opts.env");
    const io = capture();
    expect(await command.run(["-f", join(dir, "none.env"), "-d", out], io)).toBe(0);
    expect(readFileSync(out, "utf8")).toBe('DOCKER_OPTS=""\n');
    expect(io.stderr.join("")).toContain("does not exist");
  });

  it("an invalid FLANNEL_IPMASQ exits 1 with the script's message and writes nothing", async () => {
    const env = join(dir, "subnet.env");
    const out = join(dir, "docker_opts.env");
    writeFileSync(env, subnetEnv.replace("=true", "=yes"));
    const io = capture();
    expect(await command.run(["-f", env, "-d", out], io)).toBe(1);
    expect(io.stderr).toEqual(["flannel-ts docker-opts: Invalid value of FLANNEL_IPMASQ: yes\n"]);
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [["-x"], 'unknown flag "-x"; run flannel-ts docker-opts --help for the list'],
    [["-ix"], 'unknown flag "-x" in "-ix"; run flannel-ts docker-opts --help for the list'],
    [["-k"], "flag -k (--combined-key) needs a value"],
    [["-k", "a-b"], '--combined-key: "a-b" is not a shell variable name (letters, digits and _, not starting with a digit, at most 255)'],
    [
      ["-k", "DOCKER_OPT_X"],
      '-k "DOCKER_OPT_X": the combined variable must be a shell name (letters, digits, _), not containing DOCKER_OPT_ and not one of the script\'s own variables',
    ],
    [
      ["-d", "/tmp/DOCKER_OPT_x"],
      '-d="/tmp/DOCKER_OPT_x": the path contains DOCKER_OPT_, so the script lists it among the options; mk-docker-opts.sh\'s output for it depends on the shell, so flannel-ts refuses it',
    ],
  ])("%j is a usage error (exit 2), nothing written", async (argv, message) => {
    const io = capture();
    expect(await command.run(["-f", join(dir, "none.env"), ...argv], io)).toBe(2);
    expect(io.stderr.join("")).toBe(`flannel-ts docker-opts: ${message}\n`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("--json prints the file and what was written", async () => {
    const env = join(dir, "subnet.env");
    const out = join(dir, "docker_opts.env");
    writeFileSync(env, subnetEnv);
    const io = capture();
    expect(await command.run(["-f", env, "-d", out, "-c", "--json"], io)).toBe(0);
    expect(JSON.parse(io.stdout.join(""))).toEqual({ file: out, contents: 'DOCKER_OPTS=" --bip=10.5.52.1/24 --ip-masq=false --mtu=1472"\n' });
  });

  it.each([
    ["a FIFO", (p: string) => spawnSync("mkfifo", [p])],
    ["a directory", (p: string) => mkdirSync(p)],
  ])("refuses to replace %s at -d and leaves it as it is (exit 1)", async (what, make) => {
    const env = join(dir, "subnet.env");
    const out = join(dir, "docker_opts.env");
    writeFileSync(env, subnetEnv);
    make(out);
    const before = lstatSync(out);
    const io = capture();
    expect(await command.run(["-f", env, "-d", out], io)).toBe(1);
    expect(io.stderr.join("")).toBe(`flannel-ts docker-opts: refusing to write ${out}: it is a ${what.slice(2)}, not a regular file; it is left as it is\n`);
    const after = lstatSync(out);
    expect([after.ino, after.mode]).toEqual([before.ino, before.mode]);
    expect(readdirSync(dir).sort()).toEqual(["docker_opts.env", "subnet.env"]);
  });

  it("a FIFO as the flannel env file is an error at once", async () => {
    const env = join(dir, "subnet.env");
    spawnSync("mkfifo", [env]);
    const io = capture();
    expect(await command.run(["-f", env, "-d", join(dir, "out.env")], io)).toBe(1);
    expect(io.stderr.join("")).toBe(`flannel-ts docker-opts: cannot read ${env}: it is a FIFO, not a regular file\n`);
  });
});
