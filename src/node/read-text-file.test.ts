import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { err, ok } from "neverthrow";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readRegularFile, readTextFile } from "./read-text-file.ts";

let dir = "";
let server: Server | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "flannel-ts-read-"));
});
afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
  rmSync(dir, { recursive: true, force: true });
});

describe("readTextFile", () => {
  it("reads a regular file, through a link, and gives undefined for a missing one", async () => {
    writeFileSync(join(dir, "a"), "text");
    symlinkSync(join(dir, "a"), join(dir, "link"));
    expect(await readTextFile(join(dir, "a"))).toEqual(ok("text"));
    expect(await readTextFile(join(dir, "link"))).toEqual(ok("text"));
    expect(await readTextFile(join(dir, "missing"))).toEqual(ok(undefined));
  });

  it.each([
    ["a directory", (p: string) => mkdirSync(p), "directory"],
    ["a FIFO without a writer (never blocks)", (p: string) => spawnSync("mkfifo", [p]), "FIFO"],
    ["a link to a FIFO", (p: string) => (spawnSync("mkfifo", [`${p}.fifo`]), symlinkSync(`${p}.fifo`, p)), "FIFO"],
  ])("refuses %s at once, naming the path and what it is", async (_what, make, type) => {
    const path = join(dir, "x");
    make(path);
    const started = Date.now();
    expect(await readTextFile(path)).toEqual(
      err({ kind: "file-read", path, code: "ENOTREG", fileType: type, message: `cannot read ${path}: it is a ${type}, not a regular file` }),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it.each([["/dev/zero"], ["/dev/null"], ["/dev/urandom"]])("refuses the device %s", async (path) => {
    expect(await readTextFile(path)).toEqual(
      err({ kind: "file-read", path, code: "ENOTREG", fileType: "character device", message: `cannot read ${path}: it is a character device, not a regular file` }),
    );
  });

  it("refuses a socket", async () => {
    const path = join(dir, "sock");
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(path, resolve));
    expect((await readTextFile(path))._unsafeUnwrapErr()).toMatchObject({ code: "ENOTREG", fileType: "socket" });
  });

  it("refuses more than the limit, and takes exactly the limit", async () => {
    const path = join(dir, "big");
    writeFileSync(path, "a".repeat(1000));
    expect(await readTextFile(path, { maxBytes: 1000 })).toEqual(ok("a".repeat(1000)));
    expect(await readTextFile(path, { maxBytes: 999 })).toEqual(
      err({ kind: "file-read", path, code: "EFBIG", limit: 999, message: `cannot read ${path}: it is larger than the limit of 999 bytes` }),
    );
    writeFileSync(path, "a".repeat(1024 * 1024 + 1));
    expect((await readTextFile(path))._unsafeUnwrapErr().message).toBe(`cannot read ${path}: it is larger than the limit of 1 MiB`);
  });

  it("reads a file whose size the kernel does not know (/proc) up to the limit", async () => {
    const text = (await readTextFile("/proc/self/status"))._unsafeUnwrap();
    expect(text).toMatch(/^Name:/);
    expect((await readRegularFile("/proc/self/status", { maxBytes: 10 }))._unsafeUnwrapErr()).toMatchObject({ code: "EFBIG" });
  });

  // Reading a device node made here needs root (mknod); the CI runs as root.
  it.runIf(process.getuid?.() === 0)("refuses a device node made with mknod, and leaves it alone", async () => {
    const path = join(dir, "zero");
    execFileSync("mknod", [path, "c", "1", "5"]);
    expect((await readTextFile(path))._unsafeUnwrapErr()).toMatchObject({ code: "ENOTREG", fileType: "character device" });
  });

  it("names a file it may not read", async () => {
    const path = join(dir, "nul\u0000");
    expect((await readTextFile(path))._unsafeUnwrapErr()).toMatchObject({ kind: "file-read", path });
  });
});
