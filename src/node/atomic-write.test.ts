import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { atomicWriteFile, type AtomicWriteFs } from "./atomic-write.ts";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flannel-ts-atomic-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const mode = (p: string): number => statSync(p).mode & 0o7777;
const failing = (op: keyof AtomicWriteFs, when: (args: unknown[]) => boolean = () => true): AtomicWriteFs => ({
  ...fsp,
  [op]: (...args: unknown[]) => {
    if (when(args)) return Promise.reject(Object.assign(new Error(`injected ${op} failure`), { code: "EIO" }));
    return (fsp[op] as (...a: unknown[]) => Promise<unknown>)(...args);
  },
});

describe("atomicWriteFile", () => {
  it("creates a file with mode 0644 and its directory when asked", async () => {
    const path = join(dir, "run", "flannel", "subnet.env");
    const report = await atomicWriteFile(path, "FLANNEL_MTU=1472\n", { mkdir: true });
    expect(report._unsafeUnwrap()).toEqual({ path, mode: 0o644, created: true });
    expect(readFileSync(path, "utf8")).toBe("FLANNEL_MTU=1472\n");
    expect(mode(path)).toBe(0o644);
    expect(mode(join(dir, "run", "flannel"))).toBe(0o755);
  });

  it("does not create a missing directory unless asked", async () => {
    const result = await atomicWriteFile(join(dir, "missing", "f"), "x");
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: "file-write", step: "open", code: "ENOENT" });
  });

  it("replaces a file keeping its mode, and keeps the old one as the backup", async () => {
    const path = join(dir, "daemon.json");
    writeFileSync(path, '{"old": true}\n');
    chmodSync(path, 0o600);
    const report = await atomicWriteFile(path, '{"new": true}\n', { backupPath: `${path}.bak` });
    expect(report._unsafeUnwrap()).toEqual({ path, mode: 0o600, created: false, backupPath: `${path}.bak` });
    expect(readFileSync(path, "utf8")).toBe('{"new": true}\n');
    expect(mode(path)).toBe(0o600);
    expect(readFileSync(`${path}.bak`, "utf8")).toBe('{"old": true}\n');
    expect(readdirSync(dir).sort()).toEqual(["daemon.json", "daemon.json.bak"]);
  });

  it("replaces an older backup", async () => {
    const path = join(dir, "daemon.json");
    writeFileSync(path, "1");
    writeFileSync(`${path}.bak`, "0");
    (await atomicWriteFile(path, "2", { backupPath: `${path}.bak` }))._unsafeUnwrap();
    expect(readFileSync(`${path}.bak`, "utf8")).toBe("1");
  });

  it("applies the mode option when keepMode is false", async () => {
    const path = join(dir, "f");
    writeFileSync(path, "1");
    chmodSync(path, 0o600);
    (await atomicWriteFile(path, "2", { keepMode: false, mode: 0o640 }))._unsafeUnwrap();
    expect(mode(path)).toBe(0o640);
  });

  // Giving a file to another user needs root; the CI runs as root.
  it.runIf(process.getuid?.() === 0)("keeps the owner and group (as root)", async () => {
    const path = join(dir, "f");
    writeFileSync(path, "1");
    chownSync(path, 1234, 4321);
    (await atomicWriteFile(path, "2"))._unsafeUnwrap();
    expect(statSync(path)).toMatchObject({ uid: 1234, gid: 4321 });
  });

  it("follows a symbolic link and replaces its target", async () => {
    const target = join(dir, "real.json");
    const link = join(dir, "daemon.json");
    writeFileSync(target, "old");
    symlinkSync(target, link);
    const report = await atomicWriteFile(link, "new");
    expect(report._unsafeUnwrap().path).toBe(target);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toBe("new");
  });

  // When the final rename fails the backup is already there: a copy of the file that stays.
  it.each([
    ["rename", failing("rename", (args) => String(args[0]).endsWith(".tmp") && !String(args[1]).endsWith(".bak")), ["daemon.json", "daemon.json.bak"]],
    ["backup (link and copy)", { ...failing("link"), copyFile: failing("copyFile").copyFile }, ["daemon.json"]],
    ["open", failing("open"), ["daemon.json"]],
  ])("leaves the old file byte-identical and no temporary file when %s fails", async (what, fs, files) => {
    const path = join(dir, "daemon.json");
    const old = '{\n  "hosts": ["unix:///var/run/docker.sock"]\n}\n';
    writeFileSync(path, old);
    chmodSync(path, 0o640);
    const result = await atomicWriteFile(path, "{}", { fs, backupPath: `${path}.bak` });
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: "file-write", path, step: what.split(" ")[0], code: "EIO" });
    expect(result._unsafeUnwrapErr().message).toMatch(/the file is unchanged$/);
    expect(readFileSync(path, "utf8")).toBe(old);
    expect(mode(path)).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(files);
    if (files.length > 1) expect(readFileSync(`${path}.bak`, "utf8")).toBe(old);
  });

  it("a process killed between the temporary write and the rename leaves the old file intact", () => {
    const path = join(dir, "daemon.json");
    writeFileSync(path, '{"old": true}\n');
    const module = fileURLToPath(new URL("./atomic-write.ts", import.meta.url));
    const script = `
      import { atomicWriteFile } from ${JSON.stringify(module)};
      await atomicWriteFile(${JSON.stringify(path)}, '{"new": true}\\n', {
        backupPath: ${JSON.stringify(`${path}.bak`)},
        beforeRename: () => { process.kill(process.pid, "SIGKILL"); return new Promise(() => {}); },
      });
      console.log("not reached");
    `;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000 });
    expect(child.signal).toBe("SIGKILL");
    expect(child.stdout).toBe("");
    expect(readFileSync(path, "utf8")).toBe('{"old": true}\n');
    const stray = readdirSync(dir).filter((f) => f !== "daemon.json");
    expect(stray).toHaveLength(1);
    expect(stray[0]).toMatch(/^\.daemon\.json\.\d+\.[0-9a-f]{8}\.tmp$/);
    expect(readFileSync(join(dir, stray[0]!), "utf8")).toBe('{"new": true}\n');
  });
});
