// flannel-ts docker-config against a real dockerd (26.1, in a Docker-in-Docker
// host from the test kit): the host's /etc/docker is a directory of this
// machine mounted read-write, so the command writes the file the inner
// dockerd reads. The merged seed is accepted and applied (docker0 at the
// lease's bip; the Engine API, reached on the seed's own tcp://0.0.0.0:2375,
// reports the lease's MTU); merges that dockerd would refuse are refused
// before writing, and dockerd still starts with the old file. For each
// refusal, writing the merge anyway shows dockerd refusing it in the same words.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import command from "../../src/cli/commands/docker-config.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { defaultBridgeExpectation, verifyDefaultBridge } from "../../src/dockerconf/engine-verify.ts";
import { planDaemonJson } from "../../src/dockerconf/plan-daemon-json.ts";
import { parseCidr4 } from "../../src/subnet/cidr.ts";
import { type DockerHost, innerBusyboxImage, innerBusyboxTar, inspectContainerNetwork, inspectHostNetwork, startDockerHost } from "../../src/testing/index.ts";

const SEED = `{
  "registry-mirrors": ["https://mirror.example.invalid"],
  "insecure-registries": ["registry.example.invalid:5000"],
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]
}
`;
const MERGED = SEED.replace('2375"]\n', '2375"],\n  "bip": "10.5.52.1/24",\n  "mtu": 1472\n');
const SUBNET_ENV = "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.52.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n";
const lease = { bip: parseCidr4("10.5.52.1/24")._unsafeUnwrap(), mtu: 1472 };

// The kit's waitForDockerd() polls `docker info --format ...`, which exits 0
// even when the daemon is unreachable (docker-cli 26), so it can return
// before dockerd answers; dockerd 26 with the seed's unauthenticated TCP
// socket sleeps 15 s before it listens. Wait on `docker version` instead.
async function waitForDaemon(host: DockerHost, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = await host.exec(["docker", "version", "--format", "{{.Server.Version}}"]);
    if (r.exitCode === 0 && r.stdout.trim() !== "") return;
    if (Date.now() > deadline) throw new Error(`dockerd did not answer within ${timeoutMs} ms:\n${(await host.dockerdLog()).split("\n").slice(-15).join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const capture = (env: Record<string, string> = {}): CliIo & { stdout: () => string; stderr: () => string } => {
  const out: string[] = [];
  const err: string[] = [];
  return { out: (t) => out.push(t), err: (t) => err.push(t), env, stdout: () => out.join(""), stderr: () => err.join("") };
};

describe("docker-config with a real dockerd", () => {
  let dir = "";
  let etcDocker = "";
  let daemonJson = "";
  let subnetFile = "";
  let host: DockerHost;
  const cli = (...extra: string[]): string[] => ["--subnet-file", subnetFile, "--daemon-json", daemonJson, "--dockerd-version", "26", "--systemd-unit", "none", ...extra];
  const bridgeOf = async (): Promise<string> =>
    (await host.exec(["docker", "network", "inspect", "bridge", "--format", '{{json .IPAM.Config}} {{index .Options "com.docker.network.driver.mtu"}}'])).stdout.trim();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "flannel-ts-dind-"));
    etcDocker = join(dir, "etc-docker");
    daemonJson = join(etcDocker, "daemon.json");
    subnetFile = join(dir, "subnet.env");
    await import("node:fs/promises").then((fs) => fs.mkdir(etcDocker));
    writeFileSync(daemonJson, SEED);
    writeFileSync(subnetFile, SUBNET_ENV);
    host = await startDockerHost({ name: "dockerconf-dind", mounts: [{ source: etcDocker, target: "/etc/docker", readOnly: false }], waitForDockerd: false });
    await waitForDaemon(host);
    const imported = await host.exec(["docker", "import", innerBusyboxTar, innerBusyboxImage]);
    expect(imported.exitCode, imported.stderr).toBe(0);
  });
  afterAll(async () => {
    await host?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the seed's daemon.json merged: dockerd accepts it, docker0 is at the lease's bip, the Engine API reports the lease's MTU", async () => {
    expect(await bridgeOf()).not.toContain("10.5.52.0/24");

    const io = capture();
    expect(await command.run(cli("--allow-findings"), io), io.stderr()).toBe(0);
    expect(io.stderr()).toContain("finding (allowed): hosts: tcp://0.0.0.0:2375 serves the Docker API without TLS");
    expect(readFileSync(daemonJson, "utf8")).toBe(MERGED);
    expect(readFileSync(`${daemonJson}.flannel-ts.bak`, "utf8")).toBe(SEED);
    expect(readdirSync(etcDocker).sort()).toEqual(["daemon.json", "daemon.json.flannel-ts.bak"]);

    await host.restartDockerd();
    await waitForDaemon(host);
    const docker0 = (await inspectHostNetwork(host)).interfaces.find((i) => i.name === "docker0");
    expect(docker0?.addresses.map((a) => a.cidr)).toEqual(["10.5.52.1/24"]);
    expect(await bridgeOf()).toBe('[{"Subnet":"10.5.52.0/24","Gateway":"10.5.52.1"}] 1472');

    const engine = new Docker({ host: host.ipAddress, port: 2375, protocol: "http" });
    expect((await verifyDefaultBridge(engine, defaultBridgeExpectation(lease)))._unsafeUnwrap()).toEqual({
      subnet: "10.5.52.0/24",
      gateway: "10.5.52.1",
      mtu: "1472",
      mismatches: [],
    });

    const verify = capture({ DOCKER_HOST: `tcp://${host.ipAddress}:2375` });
    expect(await command.run(cli("--allow-findings", "--verify"), verify), verify.stderr()).toBe(0);
    expect(verify.stdout()).toBe(
      `${daemonJson} already has the lease's settings; nothing written\ndockerd's default bridge has the lease's settings: subnet 10.5.52.0/24, gateway 10.5.52.1, mtu 1472\n`,
    );

    const run = await host.exec(["docker", "run", "-d", "--name", "c1", innerBusyboxImage, "sleep", "600"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const eth0 = (await inspectContainerNetwork(host, "c1")).interfaces.find((i) => i.name === "eth0");
    expect(eth0?.mtu).toBe(1472);
    expect(eth0?.addresses[0]?.cidr).toMatch(/^10\.5\.52\.\d+\/24$/);
    expect((await host.exec(["docker", "rm", "-f", "c1"])).exitCode).toBe(0);
  });

  it.each([
    {
      name: "an mtu flag on dockerd's command line",
      old: '{\n  "registry-mirrors": ["https://mirror.example.invalid"],\n  "hosts": ["unix:///var/run/docker.sock"]\n}\n',
      dockerdArgs: "--mtu 1500",
      ours: "the following directives are specified both as a flag and in the configuration file: mtu: (from flag: 1500, from file: 1472)",
      dockerd: "the following directives are specified both as a flag and in the configuration file: mtu: (from flag: 1500, from file: 1472)",
    },
    {
      name: "a file with bridge: none",
      old: '{\n  "hosts": ["unix:///var/run/docker.sock"],\n  "bridge": "none"\n}\n',
      dockerdArgs: "",
      ours: "You specified -b & --bip, mutually exclusive options. Please specify only one",
      dockerd: "You specified -b & --bip, mutually exclusive options. Please specify only one",
    },
  ])("$name: the merge is refused before writing, and dockerd still starts with the old file", async ({ old, dockerdArgs, ours, dockerd }) => {
    writeFileSync(daemonJson, old);
    await host.writeFile("/etc/dockerd-args", dockerdArgs);
    await host.restartDockerd();

    const io = capture();
    const args = dockerdArgs === "" ? cli("--allow-findings") : cli("--allow-findings", "--dockerd-args", dockerdArgs);
    expect(await command.run(args, io)).toBe(1);
    expect(io.stderr()).toContain(ours);
    expect(readFileSync(daemonJson, "utf8")).toBe(old);

    await host.restartDockerd();
    expect((await host.exec(["docker", "info", "--format", "{{.ServerVersion}}"])).exitCode).toBe(0);

    // Was the refusal right? Write the merge anyway: dockerd refuses it in the same words.
    const plan = planDaemonJson({ path: daemonJson, current: old, settings: lease, version: "26" })._unsafeUnwrap();
    writeFileSync(daemonJson, plan.after);
    await expect(host.restartDockerd()).rejects.toThrow(dockerd);
    writeFileSync(daemonJson, old);
    await host.restartDockerd();
    await host.writeFile("/etc/dockerd-args", "");
  });
});
