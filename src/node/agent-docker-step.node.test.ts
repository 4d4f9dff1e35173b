import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errAsync, okAsync } from "neverthrow";
import { afterEach, describe, expect, it } from "vitest";
import type { CommandRunner } from "../core/command-runner.ts";
import type { EngineNetworkApi } from "../dockerconf/engine-verify.ts";
import { parseCidr4 } from "../subnet/cidr.ts";
import { dockerStep, type DockerStepOptions, engineFromEnvironment } from "./agent-docker-step.ts";
import { findDockerdCommandLine, runningDockerdCommandLine } from "./agent-dockerd-command-line.ts";

const seed = `{
  "registry-mirrors": ["https://mirror.example.invalid"],
  "insecure-registries": ["registry.example.invalid:5000"],
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]
}
`;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "flannel-ts-docker-step-"));
  dirs.push(dir);
  return dir;
}

/** An Engine API whose default bridge shows what the last "restart" applied. */
function fakeEngine(initial: { subnet: string; gateway: string; mtu: string }) {
  let bridge = initial;
  let answersBeforeNewBridge = 0;
  const engine: EngineNetworkApi = {
    getNetwork: () => ({
      inspect: () => Promise.resolve({ IPAM: { Config: [{ Subnet: bridge.subnet, Gateway: bridge.gateway }] }, Options: { "com.docker.network.driver.mtu": bridge.mtu } }),
    }),
  };
  return {
    engine,
    /** The next `stale` inspections after a restart still show the old bridge (dockerd coming up). */
    restartTo(next: { subnet: string; gateway: string; mtu: string }, stale = 0) {
      answersBeforeNewBridge = stale;
      const old = bridge;
      engine.getNetwork = () => ({
        inspect: () => {
          const shown = answersBeforeNewBridge-- > 0 ? old : next;
          bridge = shown;
          return Promise.resolve({ IPAM: { Config: [{ Subnet: shown.subnet, Gateway: shown.gateway }] }, Options: { "com.docker.network.driver.mtu": shown.mtu } });
        },
      });
    },
  };
}

const oldBridge = { subnet: "172.18.0.0/16", gateway: "172.18.0.1", mtu: "1500" };
const leaseBridge = { subnet: "172.20.5.0/24", gateway: "172.20.5.1", mtu: "1472" };
const target = { subnet: parseCidr4("172.20.5.0/24")._unsafeUnwrap(), mtu: 1472, ipMasq: false };

function setup(text: string | undefined, options: Partial<DockerStepOptions> = {}, restartExit = 0) {
  const dir = tempDir();
  const path = join(dir, "daemon.json");
  if (text !== undefined) writeFileSync(path, text);
  const engine = fakeEngine(oldBridge);
  const commands: string[] = [];
  const run: CommandRunner = (command, args) => {
    commands.push([command, ...args].join(" "));
    if (restartExit === 0) engine.restartTo(leaseBridge, 2);
    return okAsync({
      code: restartExit,
      stdout: "",
      stderr: restartExit === 0 ? "" : "dockerd-ctl: dockerd exited; the end of /var/log/dockerd.log:\nunable to configure the Docker daemon",
    });
  };
  const validated: string[] = [];
  const validate: DockerStepOptions["validate"] = (text) => {
    validated.push(text);
    return okAsync({ kind: "unavailable", dockerd: "dockerd", reason: "a test" });
  };
  const step = dockerStep({
    path,
    restartCommand: ["/usr/local/bin/dockerd-ctl", "restart"],
    engine: engine.engine,
    run,
    dockerd: { args: "" },
    verifyIntervalMs: 1,
    validate,
    ...options,
  });
  return { path, step, commands, engine, validated };
}

describe("dockerStep", () => {
  it("merges bip and mtu into the seed's daemon.json, keeps the rest, restarts dockerd and waits for the new bridge", async () => {
    const s = setup(seed, { allowFindings: true });
    const report = (await s.step(target))._unsafeUnwrap();
    expect(report).toEqual({
      path: s.path,
      changed: true,
      restarted: true,
      warnings: [expect.stringMatching(/^finding: .*tcp:\/\/0\.0\.0\.0:2375/), expect.stringMatching(/^warning: .*registry\.example\.invalid:5000/)],
    });
    expect(s.commands).toEqual(["/usr/local/bin/dockerd-ctl restart"]);
    const merged = JSON.parse(readFileSync(s.path, "utf8")) as Record<string, unknown>;
    expect(merged).toEqual({
      "registry-mirrors": ["https://mirror.example.invalid"],
      "insecure-registries": ["registry.example.invalid:5000"],
      hosts: ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"],
      bip: "172.20.5.1/24",
      mtu: 1472,
    });
    expect(readFileSync(`${s.path}.flannel-ts.bak`, "utf8")).toBe(seed);
  });

  it("asks dockerd about the merged file first; its refusal leaves daemon.json and dockerd alone", async () => {
    const s = setup(seed, {
      allowFindings: true,
      validate: () =>
        errAsync({
          kind: "dockerd-refused",
          dockerd: "dockerd",
          dockerdMessage: "invalid logging level: loud",
          exitCode: 1,
          message: "dockerd would not start with this daemon.json: invalid logging level: loud",
        }),
    });
    expect((await s.step(target))._unsafeUnwrapErr()).toEqual({
      kind: "dockerd-refused",
      message: `${s.path} not changed: dockerd would not start with this daemon.json: invalid logging level: loud`,
    });
    expect(readFileSync(s.path, "utf8")).toBe(seed);
    expect(s.commands).toEqual([]);
  });

  it("hands dockerd's check exactly the text it then writes", async () => {
    const s = setup(seed, { allowFindings: true });
    (await s.step(target))._unsafeUnwrap();
    expect(s.validated).toEqual([readFileSync(s.path, "utf8")]);
  });

  it("writes nothing and does not restart when the file and dockerd already have the lease", async () => {
    const s = setup('{\n  "bip": "172.20.5.1/24",\n  "mtu": 1472\n}\n');
    s.engine.restartTo(leaseBridge);
    expect((await s.step(target))._unsafeUnwrap()).toEqual({ path: s.path, changed: false, restarted: false, warnings: [] });
    expect(s.commands).toEqual([]);
  });

  it("restarts a dockerd that still runs with an older file", async () => {
    const s = setup('{"bip": "172.20.5.1/24", "mtu": 1472}');
    expect((await s.step(target))._unsafeUnwrap()).toEqual({ path: s.path, changed: false, restarted: true, warnings: [] });
    expect(s.commands).toEqual(["/usr/local/bin/dockerd-ctl restart"]);
  });

  it("starts dockerd again when it does not answer (a restart was cut short)", async () => {
    const s = setup('{"bip": "172.20.5.1/24", "mtu": 1472}');
    s.engine.engine.getNetwork = () => ({ inspect: () => Promise.reject(new Error("connect ENOENT /var/run/docker.sock")) });
    expect((await s.step(target))._unsafeUnwrap()).toEqual({ path: s.path, changed: false, restarted: true, warnings: [] });
    expect(s.commands).toEqual(["/usr/local/bin/dockerd-ctl restart"]);
  });

  it("creates daemon.json when there is none", async () => {
    const s = setup(undefined);
    expect((await s.step(target))._unsafeUnwrap()).toMatchObject({ changed: true, restarted: true });
    expect(JSON.parse(readFileSync(s.path, "utf8"))).toEqual({ bip: "172.20.5.1/24", mtu: 1472 });
  });

  const refusals: ReadonlyArray<readonly [string, string, Partial<DockerStepOptions>, RegExp]> = [
    ["a security finding, by default", seed, {}, /not changed: .*tcp:\/\/0\.0\.0\.0:2375.*\(--docker-allow-findings writes despite security findings\)$/],
    [
      "hosts both as a flag and in the file",
      seed,
      { allowFindings: true, dockerd: { args: "/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock" } },
      /specified both as a flag and in the configuration file: hosts/,
    ],
    ["bridge with bip", '{"bridge": "br0"}', {}, /You specified -b & --bip, mutually exclusive options/],
    ["a file that is not JSON", '{"mtu": 1500,}', {}, /daemon\.json/],
  ];
  it.each(refusals)("refuses %s and leaves the file and dockerd alone", async (_name, text, options, message) => {
    const s = setup(text, options);
    const error = (await s.step(target))._unsafeUnwrapErr();
    expect(error.message).toMatch(message);
    expect(readFileSync(s.path, "utf8")).toBe(text);
    expect(s.commands).toEqual([]);
  });

  it("reports a restart command that fails, with the end of its output", async () => {
    const s = setup("{}", {}, 1);
    expect((await s.step(target))._unsafeUnwrapErr()).toEqual({
      kind: "docker-restart",
      message: '"/usr/local/bin/dockerd-ctl restart" exited 1: dockerd-ctl: dockerd exited; the end of /var/log/dockerd.log: / unable to configure the Docker daemon',
    });
  });

  it("gives up verifying after the timeout", async () => {
    const s = setup("{}", { verifyTimeoutMs: 0 });
    s.engine.restartTo(oldBridge);
    const run: CommandRunner = () => okAsync({ code: 0, stdout: "", stderr: "" });
    const step = dockerStep({ path: s.path, restartCommand: ["true"], engine: s.engine.engine, run, dockerd: { args: "" }, verifyTimeoutMs: 0 });
    const error = (await step(target))._unsafeUnwrapErr();
    expect(error.message).toMatch(/^dockerd was not verified within 0 s: the default bridge does not match the lease: subnet is 172\.18\.0\.0\/16, expected 172\.20\.5\.0\/24/);
  });
});

function fakeProc(): string {
  const proc = tempDir();
  for (
    const [pid, comm, cmdline] of [
      ["1", "sh", "/bin/sh\0/usr/local/bin/dind-entry\0"],
      ["42", "dockerd", "dockerd\0-H\0unix:///var/run/docker.sock\0--mtu=1400\0"],
      ["self", "x", "x\0"],
    ] as const
  ) {
    mkdirSync(join(proc, pid));
    writeFileSync(join(proc, pid, "comm"), `${comm}\n`);
    writeFileSync(join(proc, pid, "cmdline"), cmdline);
  }
  return proc;
}

describe("runningDockerdCommandLine", () => {
  it("reads dockerd's arguments from /proc", async () => {
    const proc = fakeProc();
    const found = (await runningDockerdCommandLine("26", proc))._unsafeUnwrap();
    expect(found?.program).toBe("dockerd");
    expect(found?.args.items.map((i) => i.words)).toEqual([["-H", "unix:///var/run/docker.sock"], ["--mtu=1400"]]);
  });

  it("finds nothing when no dockerd runs", async () => {
    expect((await runningDockerdCommandLine("26", tempDir()))._unsafeUnwrap()).toBeUndefined();
  });
});

describe("findDockerdCommandLine", () => {
  it("on a host without systemd, reads the running dockerd even when a packaged unit exists", async () => {
    const root = tempDir();
    mkdirSync(join(root, "lib/systemd/system"), { recursive: true });
    writeFileSync(join(root, "lib/systemd/system/docker.service"), "[Service]\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n");
    const found = (await findDockerdCommandLine({ systemd: false, root, proc: fakeProc() }))._unsafeUnwrap();
    expect(found?.args.items.map((i) => i.words)).toEqual([["-H", "unix:///var/run/docker.sock"], ["--mtu=1400"]]);
  });

  it("on a host run by systemd, reads the unit", async () => {
    const root = tempDir();
    mkdirSync(join(root, "lib/systemd/system"), { recursive: true });
    writeFileSync(join(root, "lib/systemd/system/docker.service"), "[Service]\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n");
    const found = (await findDockerdCommandLine({ systemd: true, root, proc: fakeProc() }))._unsafeUnwrap();
    expect(found?.program).toBe("/usr/sbin/dockerd");
    expect(found?.args.items.map((i) => i.words)).toEqual([["-H", "fd://"], ["--containerd=/run/containerd/containerd.sock"]]);
  });
});

describe("engineFromEnvironment", () => {
  it("turns a malformed DOCKER_HOST into a failed call, not a throw at construction", async () => {
    const engine = engineFromEnvironment({ DOCKER_HOST: "tcp://[not-an-address" });
    await expect(engine.getNetwork("bridge").inspect()).rejects.toThrow(/Invalid URL/);
  });
});
