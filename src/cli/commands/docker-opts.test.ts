import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

  it("an unknown flag is a usage error", async () => {
    const io = capture();
    expect(await command.run(["-x"], io)).toBe(2);
    expect(io.stderr.join("")).toContain("Usage: flannel-ts docker-opts");
  });
});
