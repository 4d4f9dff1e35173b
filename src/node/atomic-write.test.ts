import { spawnSync } from "node:child_process";
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import * as fsp from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { atomicWriteFile, type AtomicWriteFs, checkAtomicWrite } from "./atomic-write.ts";

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
    // The next write to the file removes what the dead writer left.
    const again = spawnSync(process.execPath, [
      "--import",
      "tsx",
      "--input-type=module",
      "-e",
      `import { atomicWriteFile } from ${JSON.stringify(module)}; (await atomicWriteFile(${
        JSON.stringify(path)
      }, "3")).match(() => undefined, (e) => { throw new Error(e.message); });`,
    ], { encoding: "utf8", timeout: 30_000 });
    expect(again.status, again.stderr).toBe(0);
    expect(readdirSync(dir)).toEqual(["daemon.json"]);
    expect(readFileSync(path, "utf8")).toBe("3");
  });

  it("removes stray temporary files of writers that are gone or old, and only those of this file", async () => {
    const path = join(dir, "subnet.env");
    writeFileSync(path, "old");
    const deadPid = 2 ** 22 + 1; // above Linux's pid_max: never running
    const strays = [`.subnet.env.${deadPid}.0badc0de.tmp`, `.subnet.env.${process.pid}.00000001.tmp`];
    const kept = [`.subnet.env.${process.pid}.00000002.tmp`, `.other.env.${deadPid}.0badc0de.tmp`, `.subnet.env.${deadPid}.notahex.tmp`, "subnet.env.bak"];
    for (const name of [...strays, ...kept]) writeFileSync(join(dir, name), "x");
    // Our own pid is alive: only its old file is stray.
    utimesSync(join(dir, strays[1]!), new Date(0), new Date(0));
    mkdirSync(join(dir, `.subnet.env.${deadPid}.0000beef.tmp`));
    (await atomicWriteFile(path, "new"))._unsafeUnwrap();
    expect(readdirSync(dir).sort()).toEqual([...kept, `.subnet.env.${deadPid}.0000beef.tmp`, "subnet.env"].sort());
  });

  it.each([
    ["a FIFO", (p: string) => execFileSync("mkfifo", [p]), "FIFO"],
    ["a directory", (p: string) => mkdirSync(p), "directory"],
    ["a link to nothing", (p: string) => symlinkSync(join(dir, "nowhere"), p), "dangling symbolic link"],
    ["a link to a FIFO", (p: string) => (execFileSync("mkfifo", [`${p}.fifo`]), symlinkSync(`${p}.fifo`, p)), "FIFO"],
    ["a link to a directory", (p: string) => (mkdirSync(`${p}.d`), symlinkSync(`${p}.d`, p)), "directory"],
  ])("refuses %s at the target and leaves it as it is", async (_what, make, type) => {
    const path = join(dir, "daemon.json");
    make(path);
    const before = readdirSync(dir).sort();
    const inode = lstatSync(path).ino;
    const result = await atomicWriteFile(path, "{}");
    expect(result._unsafeUnwrapErr()).toMatchObject({ kind: "file-write", path, step: "target", code: "ENOTREG", fileType: type });
    expect(result._unsafeUnwrapErr().message).toMatch(new RegExp(`^refusing to write ${path}.*: it is a ${type}, not a regular file; it is left as it is$`));
    expect(lstatSync(path).ino).toBe(inode);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it("refuses a socket at the target", async () => {
    const path = join(dir, "docker.sock");
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      expect((await atomicWriteFile(path, "{}"))._unsafeUnwrapErr()).toMatchObject({ step: "target", code: "ENOTREG", fileType: "socket" });
      expect(lstatSync(path).isSocket()).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  // mknod needs root; the CI runs as root. A device node made here stands for /dev/null.
  it.runIf(process.getuid?.() === 0)("refuses a device node (as root: -d /dev/null must leave /dev/null alone)", async () => {
    const path = join(dir, "null");
    execFileSync("mknod", [path, "c", "1", "3"]);
    const result = await atomicWriteFile(path, "DOCKER_OPTS=x\n");
    expect(result._unsafeUnwrapErr()).toMatchObject({ step: "target", code: "ENOTREG", fileType: "character device" });
    const stats = lstatSync(path);
    expect([stats.isCharacterDevice(), stats.rdev]).toEqual([true, statSync("/dev/null").rdev]);
    expect(readdirSync(dir)).toEqual(["null"]);
  });

  it.each([
    ["the file itself", (path: string) => path],
    ["the file by another name", (_path: string) => join(dir, ".", "daemon.json")],
    ["a link to the file", (path: string) => (symlinkSync(path, join(dir, "link")), join(dir, "link"))],
  ])("refuses a backup path that is %s", async (_what, backup) => {
    const path = join(dir, "daemon.json");
    writeFileSync(path, "old");
    const result = await atomicWriteFile(path, "new", { backupPath: backup(path) });
    expect(result._unsafeUnwrapErr()).toMatchObject({ step: "backup", code: "ESAMEFILE" });
    expect(readFileSync(path, "utf8")).toBe("old");
  });

  it("refuses a FIFO as the backup path", async () => {
    const path = join(dir, "daemon.json");
    writeFileSync(path, "old");
    execFileSync("mkfifo", [join(dir, "bak")]);
    expect((await atomicWriteFile(path, "new", { backupPath: join(dir, "bak") }))._unsafeUnwrapErr()).toMatchObject({ step: "backup", code: "ENOTREG", fileType: "FIFO" });
    expect(readFileSync(path, "utf8")).toBe("old");
    expect(lstatSync(join(dir, "bak")).isFIFO()).toBe(true);
  });
});

describe("checkAtomicWrite", () => {
  it("passes for a new file (making its directory) and an existing regular file, and changes nothing", async () => {
    expect((await checkAtomicWrite(join(dir, "run", "flannel", "subnet.env"), { mkdir: true })).isOk()).toBe(true);
    expect(readdirSync(join(dir, "run", "flannel"))).toEqual([]);
    writeFileSync(join(dir, "f"), "x");
    expect((await checkAtomicWrite(join(dir, "f"))).isOk()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["f", "run"]);
  });

  it.each([
    ["a FIFO at the path", () => execFileSync("mkfifo", [join(dir, "f")]), { step: "target", code: "ENOTREG" }],
    ["no directory", () => undefined, { step: "open", code: "ENOENT" }],
  ])("fails for %s", async (what, setup, expected) => {
    setup();
    const path = what === "no directory" ? join(dir, "none", "f") : join(dir, "f");
    expect((await checkAtomicWrite(path))._unsafeUnwrapErr()).toMatchObject(expected);
  });

  // Root writes into a 0555 directory anyway (CAP_DAC_OVERRIDE). As root,
  // which CI is, the check therefore runs in a child process that setpriv
  // starts without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so that the
  // directory's mode applies as it does to an ordinary user.
  it("fails in a directory it may not write, and creates nothing there", async () => {
    mkdirSync(join(dir, "ro"), { mode: 0o555 });
    const target = join(dir, "ro", "f");
    if (process.getuid?.() !== 0) {
      expect((await checkAtomicWrite(target))._unsafeUnwrapErr()).toMatchObject({ step: "open", code: "EACCES" });
    } else {
      const module = fileURLToPath(new URL("./atomic-write.ts", import.meta.url));
      const script = `const { checkAtomicWrite } = await import(${
        JSON.stringify(module)
      }); const r = await checkAtomicWrite(process.argv[1]); console.log(JSON.stringify(r.isErr() ? r.error : null));`;
      const child = spawnSync(
        "setpriv",
        ["--bounding-set=-dac_override,-dac_read_search", "--", process.execPath, "--import", "tsx", "--input-type=module", "-e", script, target],
        {
          encoding: "utf8",
          timeout: 30_000,
        },
      );
      expect(child.status, child.stderr).toBe(0);
      expect(JSON.parse(child.stdout)).toMatchObject({ step: "open", code: "EACCES" });
    }
    expect(readdirSync(join(dir, "ro"))).toEqual([]);
  });
});
