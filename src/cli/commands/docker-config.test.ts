import { spawnSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errAsync, okAsync } from "neverthrow";
import type { CliIo } from "../io.ts";
import { dockerConfigCommand } from "./docker-config.ts";

// dockerd --validate is not asked in these tests (the host's dockerd, if any, is not the test's); its own tests are below.
const command = dockerConfigCommand({ validate: () => okAsync({ kind: "unavailable", dockerd: "dockerd", reason: "not asked in this test" }) });

const SEED = `{
  "registry-mirrors": ["https://mirror.example.invalid"],
  "insecure-registries": ["registry.example.invalid:5000"],
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]
}
`;
const MERGED = SEED.replace('2375"]\n', '2375"],\n  "bip": "10.5.52.1/24",\n  "mtu": 1472\n');
const SUBNET_ENV = "FLANNEL_NETWORK=10.5.0.0/16\nFLANNEL_SUBNET=10.5.52.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n";

let dir = "";
let daemonJson = "";
let subnetFile = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flannel-ts-docker-config-"));
  daemonJson = join(dir, "daemon.json");
  subnetFile = join(dir, "subnet.env");
  writeFileSync(subnetFile, SUBNET_ENV);
  writeFileSync(daemonJson, SEED);
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const capture = (env: Record<string, string> = {}): CliIo & { stdout: () => string; stderr: () => string } => {
  const out: string[] = [];
  const err: string[] = [];
  return { out: (t) => out.push(t), err: (t) => err.push(t), env, stdout: () => out.join(""), stderr: () => err.join("") };
};
const base = (): string[] => ["--subnet-file", subnetFile, "--daemon-json", daemonJson, "--dockerd-version", "26", "--systemd-unit", "none"];

describe("flannel-ts docker-config", () => {
  it("the seed: the TCP socket without TLS blocks the write; the file is untouched", async () => {
    const io = capture();
    expect(await command.run(base(), io)).toBe(1);
    expect(readFileSync(daemonJson, "utf8")).toBe(SEED);
    expect(readdirSync(dir).sort()).toEqual(["daemon.json", "subnet.env"]);
    expect(io.stderr()).toContain("flannel-ts docker-config: finding: hosts: tcp://0.0.0.0:2375 serves the Docker API without TLS");
    expect(io.stderr()).toContain("flannel-ts docker-config: warning: insecure-registries: registry.example.invalid:5000");
    expect(io.stderr()).toContain(`${daemonJson} not written: 1 blocking issue (see above; --allow-findings accepts security findings)`);
  });

  it("--allow-findings: writes only bip and mtu, keeps a backup; a second run writes nothing", async () => {
    const io = capture();
    expect(await command.run([...base(), "--allow-findings"], io)).toBe(0);
    expect(readFileSync(daemonJson, "utf8")).toBe(MERGED);
    expect(readFileSync(`${daemonJson}.flannel-ts.bak`, "utf8")).toBe(SEED);
    expect(io.stdout()).toBe(`wrote ${daemonJson} (bip "10.5.52.1/24", mtu 1472); the previous file is ${daemonJson}.flannel-ts.bak; restart dockerd to apply it\n`);
    const mtime = statSync(daemonJson).mtimeMs;
    const again = capture();
    expect(await command.run([...base(), "--allow-findings"], again)).toBe(0);
    expect(again.stdout()).toBe(`${daemonJson} already has the lease's settings; nothing written\n`);
    expect(statSync(daemonJson).mtimeMs).toBe(mtime);
    expect(readFileSync(`${daemonJson}.flannel-ts.bak`, "utf8")).toBe(SEED);
  });

  it("--dry-run prints a unified diff and writes nothing", async () => {
    const io = capture();
    expect(await command.run([...base(), "--dry-run", "--allow-findings"], io)).toBe(0);
    expect(io.stdout()).toBe(
      `--- ${daemonJson}\n+++ ${daemonJson}\n@@ -1,5 +1,7 @@\n {\n   "registry-mirrors": ["https://mirror.example.invalid"],\n   "insecure-registries": ["registry.example.invalid:5000"],\n-  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]\n+  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"],\n+  "bip": "10.5.52.1/24",\n+  "mtu": 1472\n }\n`,
    );
    expect(readFileSync(daemonJson, "utf8")).toBe(SEED);
    expect(await command.run([...base(), "--dry-run"], capture())).toBe(1);
  });

  it("--json reports everything in one object", async () => {
    const io = capture();
    expect(await command.run([...base(), "--json", "--allow-findings", "--no-backup"], io)).toBe(0);
    const report = JSON.parse(io.stdout()) as Record<string, unknown>;
    expect(report).toMatchObject({
      daemonJson,
      changed: true,
      written: true,
      dryRun: false,
      changes: [
        { key: "bip", after: "10.5.52.1/24" },
        { key: "mtu", after: 1472 },
      ],
      blocking: 0,
    });
    expect((report["issues"] as { kind: string }[]).map((i) => i.kind)).toEqual(["tcp-without-tls", "insecure-registry"]);
    expect(io.stderr()).toBe("");
  });

  it("Debian's unit (-H fd://) with the seed's hosts: refused with dockerd's message and the drop-in, even with findings allowed", async () => {
    const root = join(dir, "root");
    const unit = join(root, "lib/systemd/system/docker.service");
    mkdirSync(dirname(unit), { recursive: true });
    writeFileSync(
      unit,
      "[Service]\nType=notify\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n",
    );
    const io = capture();
    const args = ["--subnet-file", subnetFile, "--daemon-json", daemonJson, "--dockerd-version", "20.10", "--systemd-root", root, "--allow-findings"];
    expect(await command.run(args, io)).toBe(1);
    expect(readFileSync(daemonJson, "utf8")).toBe(SEED);
    expect(io.stderr()).toContain(
      "flannel-ts docker-config: error: the following directives are specified both as a flag and in the configuration file: hosts: (from flag: [fd://], from file: [unix:///var/run/docker.sock tcp://0.0.0.0:2375]); dockerd refuses to start. Fix: remove these flags from dockerd's command line with a drop-in that resets ExecStart, /etc/systemd/system/docker.service.d/zz-flannel-ts.conf:\n[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n",
    );
    mkdirSync(join(root, "etc/systemd/system/docker.service.d"), { recursive: true });
    writeFileSync(
      join(root, "etc/systemd/system/docker.service.d/zz-flannel-ts.conf"),
      "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock $DOCKER_OPTS\n",
    );
    expect(await command.run(args, capture())).toBe(0);
    expect(readFileSync(daemonJson, "utf8")).toBe(MERGED);
  });

  it("--dockerd-args: a conflict with mtu", async () => {
    writeFileSync(daemonJson, "{}\n");
    const io = capture();
    expect(await command.run([...base(), "--dockerd-args", "/usr/bin/dockerd --mtu=1450"], io)).toBe(1);
    expect(io.stderr()).toContain("mtu: (from flag: 1450, from file: 1472)");
    const dashed = capture();
    expect(await command.run([...base(), "--dockerd-args", "--mtu 1450"], dashed)).toBe(1);
    expect(dashed.stderr()).toContain("mtu: (from flag: 1450, from file: 1472)");
    expect(readFileSync(daemonJson, "utf8")).toBe("{}\n");
  });

  it.each([
    ["a bad subnet.env", () => writeFileSync(subnetFile, SUBNET_ENV.replace("1472", "14x2")), 'SUBNET: line 3: FLANNEL_MTU="14x2" is not a decimal MTU'],
    ["no subnet.env", () => rmSync(subnetFile), "does not exist: start flanneld"],
    ["daemon.json with a comment", () => writeFileSync(daemonJson, '{\n  // mirrors\n  "debug": true\n}\n'), "line 2, column 3: comments are not allowed in JSON"],
    ["daemon.json with an unknown key", () => writeFileSync(daemonJson, '{"mtuu": 1}'), "the following directives don't match any configuration option: mtuu"],
  ])("%s: exit 1, daemon.json untouched", async (_name, setup, message) => {
    setup();
    const before = readFileSync(daemonJson, "utf8");
    const io = capture();
    expect(await command.run([...base(), "--allow-findings"], io)).toBe(1);
    expect(io.stderr()).toContain(message.replace("SUBNET", subnetFile));
    expect(readFileSync(daemonJson, "utf8")).toBe(before);
  });

  it.each([
    [["--dockerd-version", "19"], '--dockerd-version: "19" is not one of 20.10, 26'],
    [["--backup", "x", "--no-backup"], "--backup and --no-backup exclude each other"],
    [
      ["--default-address-pool", "base=10.0.0.0/8"],
      '--default-address-pool: "base=10.0.0.0/8" is not base=CIDR,size=N with N from the base\'s length to 32 (e.g. base=192.168.0.0/16,size=24)',
    ],
    [["--dockerd-args", '"-H fd://'], '--dockerd-args: "\\"-H fd://" cannot be split into words (unclosed ")'],
    [["--frob"], 'unknown flag "--frob"; run flannel-ts docker-config --help for the list'],
  ])("usage error %j exits 2, daemon.json untouched", async (args, message) => {
    const io = capture();
    expect(await command.run([...base(), ...args], io)).toBe(2);
    expect(io.stderr()).toBe(`flannel-ts docker-config: ${message}\n`);
    expect(readFileSync(daemonJson, "utf8")).toBe(SEED);
  });

  it("--backup that is --daemon-json itself (also spelled differently) is refused with exit 2", async () => {
    for (const backup of [daemonJson, daemonJson.replace(/\/daemon\.json$/, "/./daemon.json"), daemonJson.replace(/\/daemon\.json$/, "//daemon.json")]) {
      const io = capture();
      expect(await command.run([...base(), "--allow-findings", "--backup", backup], io)).toBe(2);
      expect(io.stderr()).toBe(`flannel-ts docker-config: --backup ${JSON.stringify(backup)} is --daemon-json itself: the backup would replace the file it keeps\n`);
    }
    expect(readFileSync(daemonJson, "utf8")).toBe(SEED);
  });

  it("--backup that leads to the file through a link is refused when writing, daemon.json untouched", async () => {
    const link = join(dir, "link.json");
    symlinkSync(daemonJson, link);
    const io = capture();
    expect(await command.run([...base(), "--allow-findings", "--backup", link], io)).toBe(1);
    expect(io.stderr().split("\n").at(-2)).toBe(`flannel-ts docker-config: refusing to write ${daemonJson}: the backup path ${link} is the file itself`);
    expect(readFileSync(daemonJson, "utf8")).toBe(SEED);
  });

  it("a FIFO as --backup is refused and left as it is", async () => {
    const fifo = join(dir, "backup.fifo");
    spawnSync("mkfifo", [fifo]);
    const io = capture();
    expect(await command.run([...base(), "--allow-findings", "--backup", fifo], io)).toBe(1);
    expect(io.stderr().split("\n").at(-2)).toBe(`flannel-ts docker-config: refusing to write the backup path ${fifo}: it is a FIFO, not a regular file; it is left as it is`);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readFileSync(daemonJson, "utf8")).toBe(SEED);
  });

  it.each([
    ["daemon.json is a FIFO", () => (rmSync(daemonJson), spawnSync("mkfifo", [daemonJson])), "DAEMON: it is a FIFO, not a regular file"],
    ["daemon.json is larger than 4 MiB", () => writeFileSync(daemonJson, `{"labels": ["${"a".repeat(4 * 1024 * 1024)}"]}`), "DAEMON: it is larger than the limit of 4 MiB"],
    ["subnet.env is a FIFO", () => (rmSync(subnetFile), spawnSync("mkfifo", [subnetFile])), "SUBNET: it is a FIFO, not a regular file"],
  ])("%s: exit 1 at once, nothing written", async (_name, setup, message) => {
    setup();
    const io = capture();
    const started = Date.now();
    expect(await command.run([...base(), "--allow-findings"], io)).toBe(1);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(io.stderr()).toBe(`flannel-ts docker-config: cannot read ${message.replace("DAEMON", daemonJson).replace("SUBNET", subnetFile)}\n`);
    expect(readdirSync(dir).sort()).toEqual(["daemon.json", "subnet.env"]);
  });

  it("FLANNELD_SUBNET_FILE names subnet.env when --subnet-file is not given", async () => {
    const io = capture({ FLANNELD_SUBNET_FILE: subnetFile });
    expect(await command.run(["--daemon-json", daemonJson, "--dockerd-version", "26", "--systemd-unit", "none", "--allow-findings", "--dry-run"], io)).toBe(0);
    expect(io.stdout()).toContain('+  "bip": "10.5.52.1/24",');
  });

  it.each([
    ["ssh://host", '"ssh://host" is neither unix:///path nor tcp://host:port (the only ones --verify talks to)'],
    ["tcp://", '"tcp://" is not tcp://host:port'],
    ["tcp://h:99999", '"tcp://h:99999" is not tcp://host:port'],
    ["unix://relative.sock", '"unix://relative.sock" is not unix:// followed by an absolute path'],
  ])("--verify with DOCKER_HOST=%j: exit 2 before daemon.json is written", async (host, reason) => {
    const io = capture({ DOCKER_HOST: host });
    expect(await command.run([...base(), "--allow-findings", "--verify"], io)).toBe(2);
    expect(io.stderr()).toBe(`flannel-ts docker-config: DOCKER_HOST (for --verify): ${reason}\n`);
    expect(readFileSync(daemonJson, "utf8")).toBe(SEED);
    expect(readdirSync(dir).sort()).toEqual(["daemon.json", "subnet.env"]);
  });

  it("--json: an error is in the report and one JSON object on stderr", async () => {
    const io = capture();
    expect(await command.run([...base(), "--json"], io)).toBe(1);
    expect(JSON.parse(io.stdout())).toMatchObject({ written: false, blocking: 1, error: expect.stringContaining("not written") as unknown });
    expect(JSON.parse(io.stderr())).toMatchObject({ error: { kind: "blocked", exitCode: 1 } });
  });

  describe("--verify through the Engine API", () => {
    let server: Server | undefined;
    afterEach(async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      server = undefined;
    });
    const engine = async (mtu: string): Promise<string> => {
      const socket = join(dir, "docker.sock");
      server = createServer((req, res) => {
        const body = /\/networks\/bridge$/.test(req.url ?? "")
          ? { Name: "bridge", IPAM: { Config: [{ Subnet: "10.5.52.0/24", Gateway: "10.5.52.1" }] }, Options: { "com.docker.network.driver.mtu": mtu } }
          : { message: "not found" };
        res.writeHead(body.message === undefined ? 200 : 404, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      });
      await new Promise<void>((resolve) => server!.listen(socket, resolve));
      return `unix://${socket}`;
    };

    it("passes when the default bridge has the lease's settings", async () => {
      writeFileSync(daemonJson, MERGED.replace(', "tcp://0.0.0.0:2375"', "").replace('  "insecure-registries": ["registry.example.invalid:5000"],\n', ""));
      const io = capture({ DOCKER_HOST: await engine("1472") });
      expect(await command.run([...base(), "--verify"], io)).toBe(0);
      expect(io.stdout()).toContain("dockerd's default bridge has the lease's settings: subnet 10.5.52.0/24, gateway 10.5.52.1, mtu 1472\n");
    });

    it("fails when dockerd still runs with the old MTU", async () => {
      const io = capture({ DOCKER_HOST: await engine("1500") });
      expect(await command.run([...base(), "--verify", "--allow-findings"], io)).toBe(1);
      expect(io.stderr()).toContain("the default bridge does not match the lease: mtu is 1500, expected 1472 (was dockerd restarted after daemon.json changed?)");
    });
  });
});

describe("flannel-ts docker-config: dockerd's own check and the files the file names, as the agent's Docker step", () => {
  const refusing = (asked: string[]) =>
    dockerConfigCommand({
      validate: (text) => {
        asked.push(text);
        return errAsync({
          kind: "dockerd-refused",
          dockerd: "dockerd",
          dockerdMessage: "unable to configure the Docker daemon with file daemon.json: invalid logging level: loud",
          exitCode: 1,
          message: "dockerd would not start with this daemon.json: invalid logging level: loud",
        });
      },
    });

  it("asks dockerd about the merged file; its refusal leaves daemon.json and the directory unchanged (exit 1)", async () => {
    const asked: string[] = [];
    const io = capture();
    expect(await refusing(asked).run([...base(), "--allow-findings"], io)).toBe(1);
    expect(asked).toEqual([MERGED]);
    expect(readFileSync(daemonJson, "utf8")).toBe(SEED);
    expect(readdirSync(dir).sort()).toEqual(["daemon.json", "subnet.env"]);
    expect(io.stderr().trimEnd().split("\n").at(-1)).toBe(
      `flannel-ts docker-config: ${daemonJson} not written: dockerd would not start with this daemon.json: invalid logging level: loud`,
    );
  });

  it("with --json, the refusal is in the report and in the error object", async () => {
    const io = capture();
    expect(await refusing([]).run([...base(), "--allow-findings", "--json"], io)).toBe(1);
    expect(JSON.parse(io.stdout())).toMatchObject({
      written: false,
      error: `${daemonJson} not written: dockerd would not start with this daemon.json: invalid logging level: loud`,
    });
    const last = JSON.parse(io.stderr().trimEnd().split("\n").at(-1) ?? "") as { error: Record<string, unknown> };
    expect(last.error).toMatchObject({ kind: "dockerd-refused", dockerd: "dockerd", dockerdExitCode: 1, exitCode: 1 });
  });

  it("--dry-run asks too, and says the write would not go through", async () => {
    const io = capture();
    expect(await refusing([]).run([...base(), "--allow-findings", "--dry-run"], io)).toBe(1);
    expect(readFileSync(daemonJson, "utf8")).toBe(SEED);
    expect(io.stderr()).toContain(`${daemonJson} not to be written: dockerd would not start`);
  });

  it("does not ask when nothing would change", async () => {
    writeFileSync(daemonJson, MERGED);
    const asked: string[] = [];
    expect(await refusing(asked).run([...base(), "--allow-findings"], capture())).toBe(0);
    expect(asked).toEqual([]);
  });

  it("dockerd's yes is in the JSON report; the file is written", async () => {
    const io = capture();
    const accepting = dockerConfigCommand({ validate: () => okAsync({ kind: "valid", dockerd: "/usr/bin/dockerd" }) });
    expect(await accepting.run([...base(), "--allow-findings", "--json"], io)).toBe(0);
    expect(JSON.parse(io.stdout())).toMatchObject({ written: true, dockerdValidate: { kind: "valid", dockerd: "/usr/bin/dockerd" } });
    expect(readFileSync(daemonJson, "utf8")).toBe(MERGED);
  });

  it("a file the daemon.json names that does not exist is refused before writing (userland-proxy-path)", async () => {
    const missing = join(dir, "no-such-docker-proxy");
    const seed = `{\n  "userland-proxy-path": ${JSON.stringify(missing)}\n}\n`;
    writeFileSync(daemonJson, seed);
    const io = capture();
    expect(await command.run(base(), io)).toBe(1);
    expect(readFileSync(daemonJson, "utf8")).toBe(seed);
    expect(io.stderr()).toContain("no such file or directory");
    writeFileSync(missing, "");
    expect(await command.run(base(), capture())).toBe(0);
  });
});
