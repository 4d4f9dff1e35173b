import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { dockerdCommandLineFromSystemd, readSystemdService } from "./systemd-unit-files.ts";

let root = "";
const put = (path: string, text: string): void => {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
};
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "flannel-ts-systemd-"));
  put(
    "/lib/systemd/system/docker.service",
    "[Service]\nType=notify\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n",
  );
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("systemd unit files", () => {
  it("Debian's unit without an env file", async () => {
    const cmd = (await dockerdCommandLineFromSystemd("docker.service", { root }))._unsafeUnwrap();
    expect(cmd.program).toBe("/usr/sbin/dockerd");
    expect(cmd.args.items.map((i) => [i.flag.key, i.value])).toEqual([
      ["hosts", "fd://"],
      ["containerd", "/run/containerd/containerd.sock"],
    ]);
    expect(cmd.unit).toEqual({
      name: "docker.service",
      words: [
        { raw: "-H", variable: false, count: 1 },
        { raw: "fd://", variable: false, count: 1 },
        { raw: "--containerd=/run/containerd/containerd.sock", variable: false, count: 1 },
        { raw: "$DOCKER_OPTS", variable: true, count: 0 },
      ],
    });
  });

  it("reads $DOCKER_OPTS from the environment file (flannel's classic setup)", async () => {
    put("/etc/default/docker", 'DOCKER_OPTS="--bip=10.5.52.1/24 --mtu=1472"\n');
    const cmd = (await dockerdCommandLineFromSystemd("docker.service", { root }))._unsafeUnwrap();
    expect(cmd.args.items.map((i) => i.flag.key)).toEqual(["hosts", "containerd", "bip", "mtu"]);
    expect(cmd.unit?.words?.[3]).toEqual({ raw: "$DOCKER_OPTS", variable: true, count: 2 });
  });

  it("applies drop-ins in name order, /etc hiding /lib's of the same name, ExecStart= resetting", async () => {
    put("/lib/systemd/system/docker.service.d/10-a.conf", "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --debug\n");
    put("/etc/systemd/system/docker.service.d/10-a.conf", "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H unix:///run/a.sock\n");
    put("/run/systemd/system/docker.service.d/20-b.conf", "[Service]\nEnvironment=X=1\n");
    put("/etc/systemd/system/docker.service.d/notes.txt", "ignored");
    const service = (await readSystemdService("docker.service", { root }))._unsafeUnwrap();
    expect(service.files.map((f) => f.path)).toEqual([
      "/lib/systemd/system/docker.service",
      "/etc/systemd/system/docker.service.d/10-a.conf",
      "/run/systemd/system/docker.service.d/20-b.conf",
    ]);
    expect(service.environment).toEqual({ X: "1" });
    const cmd = (await dockerdCommandLineFromSystemd("docker.service", { root }))._unsafeUnwrap();
    expect(cmd.args.items.map((i) => [i.flag.key, i.value])).toEqual([["hosts", "unix:///run/a.sock"]]);
  });

  it("a unit in /etc/systemd/system replaces the packaged one", async () => {
    put("/etc/systemd/system/docker.service", "[Service]\nExecStart=/usr/bin/dockerd --iptables=false\n");
    expect((await dockerdCommandLineFromSystemd("docker.service", { root }))._unsafeUnwrap().args.items.map((i) => i.flag.key)).toEqual(["iptables"]);
  });

  it("errors: no unit, a required environment file missing, an unknown flag", async () => {
    expect((await readSystemdService("nope.service", { root }))._unsafeUnwrapErr().message).toMatch(/^unit nope\.service not found/);
    put("/etc/systemd/system/docker.service.d/env.conf", "[Service]\nEnvironmentFile=/etc/docker/env\n");
    expect((await readSystemdService("docker.service", { root }))._unsafeUnwrapErr().message).toBe(
      "EnvironmentFile=/etc/docker/env does not exist, so systemd would not start docker.service",
    );
    rmSync(join(root, "/etc/systemd/system/docker.service.d/env.conf"));
    put("/etc/systemd/system/docker.service.d/x.conf", "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --frobnicate\n");
    expect((await dockerdCommandLineFromSystemd("docker.service", { root }))._unsafeUnwrapErr().message).toBe(
      "/etc/systemd/system/docker.service.d/x.conf:3: ExecStart= of docker.service: unknown flag: --frobnicate",
    );
  });
});
