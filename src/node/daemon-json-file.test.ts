import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseDockerdArgs } from "../dockerconf/dockerd-args.ts";
import { parseCidr4 } from "../subnet/cidr.ts";
import { planDaemonJsonFile, writeDaemonJsonPlan } from "./daemon-json-file.ts";

const SEED = `{
  "registry-mirrors": ["https://mirror.example.invalid"],
  "insecure-registries": ["registry.example.invalid:5000"],
  "hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"]
}
`;
const settings = { bip: parseCidr4("10.5.52.1/24")._unsafeUnwrap(), mtu: 1472 };

let dir = "";
let path = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flannel-ts-daemon-json-"));
  path = join(dir, "daemon.json");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("daemon.json files", () => {
  it("writes the merged seed (findings allowed), keeps the old file as backup, keeps mode and owner", async () => {
    writeFileSync(path, SEED);
    chmodSync(path, 0o600);
    if (process.getuid?.() === 0) chownSync(path, 1234, 1234);
    const plan = (await planDaemonJsonFile({ path, settings, allowFindings: true }))._unsafeUnwrap();
    const written = (await writeDaemonJsonPlan(plan))._unsafeUnwrap();
    expect(written).toEqual({ written: true, report: { path, mode: 0o600, created: false, backupPath: `${path}.flannel-ts.bak` } });
    expect(readFileSync(path, "utf8")).toBe(plan.after);
    expect(readFileSync(`${path}.flannel-ts.bak`, "utf8")).toBe(SEED);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    if (process.getuid?.() === 0) expect(statSync(path)).toMatchObject({ uid: 1234, gid: 1234 });
    const again = (await planDaemonJsonFile({ path, settings, allowFindings: true }))._unsafeUnwrap();
    expect(await writeDaemonJsonPlan(again)).toEqual(expect.objectContaining({ value: { written: false } }));
  });

  it("creates a missing file with mode 0644 and no backup", async () => {
    const plan = (await planDaemonJsonFile({ path, settings }))._unsafeUnwrap();
    expect((await writeDaemonJsonPlan(plan))._unsafeUnwrap()).toEqual({ written: true, report: { path, mode: 0o644, created: true } });
    expect(readdirSync(dir)).toEqual(["daemon.json"]);
  });

  // Every kind of failed check leaves the file byte-identical (and its mode).
  it.each([
    ["a security finding", SEED, {}],
    ["a flag conflict", '{\n  "hosts": ["unix:///var/run/docker.sock"]\n}\n', {
      dockerd: { program: "/usr/sbin/dockerd", args: parseDockerdArgs(["-H", "fd://"])._unsafeUnwrap() },
    }],
    ["an unknown key", '{"mtuu": 1450}', {}],
    ["bridge with bip", '{"bridge": "br0"}', {}],
    ["a value of the wrong type", '{"ip-masq": "false"}', {}],
    ["a repeated key the merge writes", '{"mtu": 1400, "mtu": 1500}', {}],
    ["a byte-order mark for dockerd 20.10", '\ufeff{"debug": true}', { version: "20.10" as const }],
  ])("%s: nothing is written", async (_name, text, extra) => {
    writeFileSync(path, text);
    chmodSync(path, 0o640);
    const plan = (await planDaemonJsonFile({ path, settings, ...extra }))._unsafeUnwrap();
    expect(plan.blocking.length).toBeGreaterThan(0);
    expect((await writeDaemonJsonPlan(plan))._unsafeUnwrapErr()).toMatchObject({ kind: "blocked", path });
    expect(readFileSync(path, "utf8")).toBe(text);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toEqual(["daemon.json"]);
  });

  it("a file that is not JSON cannot be planned and stays as it is", async () => {
    writeFileSync(path, '{"mtu": 1450,}');
    expect((await planDaemonJsonFile({ path, settings }))._unsafeUnwrapErr()).toMatchObject({ kind: "json-syntax", line: 1, column: 14 });
    expect(readFileSync(path, "utf8")).toBe('{"mtu": 1450,}');
  });

  it("a file edited after planning is not overwritten", async () => {
    writeFileSync(path, "{}");
    const plan = (await planDaemonJsonFile({ path, settings }))._unsafeUnwrap();
    writeFileSync(path, '{"debug": true}');
    expect((await writeDaemonJsonPlan(plan))._unsafeUnwrapErr()).toMatchObject({ kind: "changed-meanwhile" });
    expect(readFileSync(path, "utf8")).toBe('{"debug": true}');
  });

  it("a failing rename leaves the old file intact", async () => {
    writeFileSync(path, "{}\n");
    const plan = (await planDaemonJsonFile({ path, settings }))._unsafeUnwrap();
    const fs = { ...fsp, rename: (from: string, to: string) => (to === path ? Promise.reject(Object.assign(new Error("injected"), { code: "EIO" })) : fsp.rename(from, to)) };
    expect((await writeDaemonJsonPlan(plan, { fs, backupPath: false }))._unsafeUnwrapErr()).toMatchObject({ kind: "file-write", step: "rename" });
    expect(readFileSync(path, "utf8")).toBe("{}\n");
    expect(readdirSync(dir)).toEqual(["daemon.json"]);
  });
});
