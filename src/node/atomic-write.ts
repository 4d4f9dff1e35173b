/**
 * Replacing a file so that readers see the old or the new contents, never a
 * mix, and a crash at any point leaves the old file in place: the new text
 * goes to a temporary file in the same directory, is flushed to disk, and is
 * renamed over the target; then the directory is flushed.
 *
 * Nothing else is destroyed: the target must be a regular file or absent (a
 * device node, FIFO, socket or directory there is refused and left as it
 * is); a symbolic link is followed to the regular file it names (a link to
 * anything else, or to nothing, is refused); a backup path that is the
 * target itself is refused. Temporary files are named
 * `.<name>.<pid>.<8 hex digits>.tmp` beside the file they replace, so that
 * the next write to that file removes those of writers that are gone.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import type { Dirent, Stats } from "node:fs";
import * as nodeFs from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ResultAsync } from "neverthrow";
import { fileTypeOf } from "./_file-type.ts";

/** The file operations {@link atomicWriteFile} uses; tests pass a wrapper to inject failures. */
export interface AtomicWriteFs {
  readonly mkdir: (path: string, options: { recursive: true; mode: number }) => Promise<string | undefined>;
  readonly stat: (path: string) => Promise<Stats>;
  readonly lstat: (path: string) => Promise<Stats>;
  readonly realpath: (path: string) => Promise<string>;
  readonly readdir: (path: string, options: { withFileTypes: true }) => Promise<Dirent[]>;
  readonly open: (path: string, flags: string, mode?: number) => Promise<FileHandle>;
  readonly link: (existingPath: string, newPath: string) => Promise<void>;
  readonly copyFile: (src: string, dest: string) => Promise<void>;
  readonly rename: (oldPath: string, newPath: string) => Promise<void>;
  readonly unlink: (path: string) => Promise<void>;
}

/** The step of {@link atomicWriteFile} that failed; `target` and `backup` include refusing what is at those paths. */
export type AtomicWriteStep = "mkdir" | "stat" | "target" | "open" | "write" | "chmod" | "chown" | "fsync" | "backup" | "rename" | "fsync-dir";

/** Why a file could not be written. The target is unchanged unless `step` is `"fsync-dir"` (then it is replaced, maybe not yet durable). */
export interface FileWriteError {
  readonly kind: "file-write";
  readonly path: string;
  readonly step: AtomicWriteStep;
  /**
   * The system error code, e.g. `EACCES`; `ENOTREG` when the target (or the
   * backup path) is not a regular file, `ESAMEFILE` when the backup path is
   * the target.
   */
  readonly code?: string;
  /** For `ENOTREG`: what is there (`character device`, `FIFO`, `directory`, `socket`, `dangling symbolic link`, ...). */
  readonly fileType?: string;
  readonly message: string;
}

/** Options of {@link atomicWriteFile}. */
export interface AtomicWriteOptions {
  /** Mode of a new file, and of an existing one when `keepMode` is false. Default `0o644`. */
  readonly mode?: number;
  /** Keep an existing file's mode. Default true. */
  readonly keepMode?: boolean;
  /** Keep an existing file's owner and group (needs root to give a file to another user). Default true. */
  readonly keepOwner?: boolean;
  /** Where to keep the previous file (replaced if there; a regular file or absent, not the target); default: no backup. */
  readonly backupPath?: string;
  /** Create the file's directory (mode 0755) when missing. Default false. */
  readonly mkdir?: boolean;
  /** Called after the temporary file is complete and flushed, before the backup and the rename. For fault tests. */
  readonly beforeRename?: (tempPath: string) => void | Promise<void>;
  /** The file operations to use. Default `node:fs/promises`. */
  readonly fs?: AtomicWriteFs;
}

/** What {@link atomicWriteFile} did. */
export interface AtomicWriteReport {
  /** The file written (a symbolic link's target when the path was a link). */
  readonly path: string;
  /** The mode the file has. */
  readonly mode: number;
  /** True when there was no file before. */
  readonly created: boolean;
  /** The backup's path, when a previous file was kept. */
  readonly backupPath?: string;
}

class StepError extends Error {
  constructor(
    readonly step: AtomicWriteStep,
    readonly failure: unknown,
    readonly details: { readonly code?: string; readonly fileType?: string; readonly message?: string } = {},
  ) {
    super(step);
  }
}

const codeOf = (cause: unknown): string | undefined => typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined;

async function step<T>(name: AtomicWriteStep, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    throw cause instanceof StepError ? cause : new StepError(name, cause);
  }
}

async function lstatOrUndefined(fs: AtomicWriteFs, path: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(path);
  } catch (cause) {
    if (codeOf(cause) === "ENOENT") return undefined;
    throw cause;
  }
}

const refuse = (name: AtomicWriteStep, what: string, fileType: string): StepError =>
  new StepError(name, undefined, { code: "ENOTREG", fileType, message: `refusing to write ${what}: it is a ${fileType}, not a regular file; it is left as it is` });

/** Where a path leads: the regular file to replace (following links) and its stat, or a new file's path. */
async function resolveTarget(fs: AtomicWriteFs, name: AtomicWriteStep, path: string, what: string): Promise<{ readonly target: string; readonly existing: Stats | undefined }> {
  const entry = await step(name, () => lstatOrUndefined(fs, path));
  if (entry === undefined) return { target: path, existing: undefined };
  if (entry.isSymbolicLink()) {
    const real = await step(name, () => fs.realpath(path)).catch((cause: unknown) => {
      if (cause instanceof StepError && codeOf(cause.failure) === "ENOENT") throw refuse(name, `${what} (a symbolic link to nothing)`, "dangling symbolic link");
      throw cause;
    });
    const stats = await step(name, () => fs.stat(real));
    if (!stats.isFile()) throw refuse(name, `${what} (a symbolic link to ${real})`, fileTypeOf(stats));
    return { target: real, existing: stats };
  }
  if (!entry.isFile()) throw refuse(name, what, fileTypeOf(entry));
  return { target: path, existing: entry };
}

const TEMP = /^\.(.+)\.(\d+)\.[0-9a-f]{8}\.tmp$/;

/** A temporary name beside `path`, one {@link removeStrayTemps} can find. */
const tempNameFor = (path: string): string => join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);

const alive = (pid: number): boolean => {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (cause) {
    return codeOf(cause) !== "ESRCH";
  }
};

/** A live writer holds its temporary file for milliseconds; one this old is stray whatever its pid says (pids are reused). */
const STRAY_AGE_MS = 60 * 60 * 1000;

/**
 * Removes temporary files of earlier writes to `path` whose writer is gone
 * (its pid is not running, or the file is older than an hour): what a
 * crash between the write and the rename leaves. Best effort: a file that
 * cannot be removed stays.
 */
async function removeStrayTemps(fs: AtomicWriteFs, path: string): Promise<void> {
  const dir = dirname(path);
  const name = basename(path);
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const m = TEMP.exec(entry.name);
    if (m === null || m[1] !== name || !entry.isFile()) continue;
    const stray = join(dir, entry.name);
    const stats = await fs.lstat(stray).catch(() => undefined);
    if (stats === undefined || !stats.isFile()) continue;
    if (alive(Number(m[2])) && Date.now() - stats.mtimeMs < STRAY_AGE_MS) continue;
    await fs.unlink(stray).catch(() => undefined);
  }
}

async function sameFile(fs: AtomicWriteFs, a: string, b: string): Promise<boolean> {
  const real = async (p: string): Promise<string> => {
    try {
      return await fs.realpath(p);
    } catch {
      // Not there (yet): its directory resolved, and its name.
      const dir = await fs.realpath(dirname(p)).catch(() => resolve(dirname(p)));
      return join(dir, basename(p));
    }
  };
  return (await real(a)) === (await real(b));
}

async function write(path: string, data: string | Uint8Array, options: AtomicWriteOptions): Promise<AtomicWriteReport> {
  const fs = options.fs ?? nodeFs;
  if (options.mkdir === true) await step("mkdir", () => fs.mkdir(dirname(path), { recursive: true, mode: 0o755 }));
  const { target, existing } = await resolveTarget(fs, "target", path, path);
  let backup: string | undefined;
  if (options.backupPath !== undefined) {
    const backupPath = options.backupPath;
    if (await step("backup", () => sameFile(fs, backupPath, target))) {
      throw new StepError("backup", undefined, { code: "ESAMEFILE", message: `refusing to write ${path}: the backup path ${backupPath} is the file itself` });
    }
    backup = (await resolveTarget(fs, "backup", backupPath, `the backup path ${backupPath}`)).target;
  }
  await removeStrayTemps(fs, target);
  if (backup !== undefined) await removeStrayTemps(fs, backup);

  const dir = dirname(target);
  const mode = existing !== undefined && options.keepMode !== false ? existing.mode & 0o7777 : (options.mode ?? 0o644);
  const temp = tempNameFor(target);
  const handle = await step("open", () => fs.open(temp, "wx", mode));
  let renamed = false;
  try {
    await step("write", () => handle.writeFile(data));
    await step("chmod", () => handle.chmod(mode));
    if (existing !== undefined && options.keepOwner !== false) {
      const mine = await step("chown", () => handle.stat());
      if (mine.uid !== existing.uid || mine.gid !== existing.gid) await step("chown", () => handle.chown(existing.uid, existing.gid));
    }
    await step("fsync", () => handle.sync());
    await step("fsync", () => handle.close());
    if (options.beforeRename !== undefined) await step("rename", async () => options.beforeRename?.(temp));
    let backupPath: string | undefined;
    if (existing !== undefined && backup !== undefined) {
      const to = backup;
      const backupTemp = tempNameFor(to);
      await step("backup", async () => {
        try {
          await fs.link(target, backupTemp);
        } catch {
          await fs.copyFile(target, backupTemp);
        }
        await fs.rename(backupTemp, to);
      }).catch(async (cause: unknown) => {
        await fs.unlink(backupTemp).catch(() => undefined);
        throw cause;
      });
      backupPath = options.backupPath;
    }
    // Once more just before the rename: what is at the target may have been replaced meanwhile.
    const now = await step("target", () => lstatOrUndefined(fs, target));
    if (now !== undefined && !now.isFile()) throw refuse("target", path, fileTypeOf(now));
    await step("rename", () => fs.rename(temp, target));
    renamed = true;
    await step("fsync-dir", async () => {
      const d = await fs.open(dir, "r");
      try {
        await d.sync();
      } finally {
        await d.close();
      }
    });
    return { path: target, mode, created: existing === undefined, ...(backupPath !== undefined && { backupPath }) };
  } finally {
    if (!renamed) {
      await handle.close().catch(() => undefined);
      await fs.unlink(temp).catch(() => undefined);
    }
  }
}

const toWriteError = (path: string) => (cause: unknown): FileWriteError => {
  const failed = cause instanceof StepError ? cause : new StepError("write", cause);
  const code = failed.details.code ?? codeOf(failed.failure);
  const reason = failed.failure instanceof Error ? failed.failure.message : String(failed.failure);
  return {
    kind: "file-write",
    path,
    step: failed.step,
    ...(code !== undefined && { code }),
    ...(failed.details.fileType !== undefined && { fileType: failed.details.fileType }),
    message: failed.details.message ??
      (failed.step === "fsync-dir"
        ? `${path} was replaced, but flushing its directory failed: ${reason}`
        : `cannot write ${path} (${failed.step} failed: ${reason}); the file is unchanged`),
  };
};

/**
 * Replaces (or creates) a file atomically: temporary file in the same
 * directory, written, given the mode (and owner) the file should have,
 * flushed with fsync, optionally the previous file kept as a backup (a hard
 * link, so the backup is the old file itself), renamed over the target, and
 * the directory flushed. On any failure before the rename the target is
 * untouched and the temporary file removed; a crash leaves at most a stray
 * `.<name>.<pid>.<hex>.tmp` beside it, which the next write removes.
 *
 * @param path the file to write: a regular file or a new path; a symbolic link is followed to the regular file it names
 * @param data the new contents (a string is written as UTF-8)
 * @param options mode, owner, backup, directory creation
 * @returns what was done, or a {@link FileWriteError} naming the failed step
 * @example
 * ```ts ignore
 * import { atomicWriteFile } from "flannel-ts/node";
 * // Writes under /run (as root): type-checked, not run.
 * const written = await atomicWriteFile("/run/flannel/subnet.env", "FLANNEL_MTU=1472\n", { mkdir: true });
 * if (written.isErr()) console.error(written.error.message);
 * ```
 */
export function atomicWriteFile(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): ResultAsync<AtomicWriteReport, FileWriteError> {
  return ResultAsync.fromPromise(write(path, data, options), toWriteError(path));
}

async function probe(path: string, options: Pick<AtomicWriteOptions, "mkdir" | "fs">): Promise<void> {
  const fs = options.fs ?? nodeFs;
  if (options.mkdir === true) await step("mkdir", () => fs.mkdir(dirname(path), { recursive: true, mode: 0o755 }));
  const { target } = await resolveTarget(fs, "target", path, path);
  const temp = tempNameFor(target);
  const handle = await step("open", () => fs.open(temp, "wx", 0o600));
  await handle.close().catch(() => undefined);
  await step("open", () => fs.unlink(temp));
}

/**
 * Checks, without changing the file, that {@link atomicWriteFile} could
 * write it now: the directory exists (or is made, with `mkdir`), the path
 * is a regular file or absent (links followed), and a file can be created
 * beside it (permissions, a read-only file system). For commands that must
 * know before they act (`lease acquire` before it takes a lease).
 *
 * @param path the file that will be written
 * @param options `mkdir`: make the directory as the write would
 * @returns nothing, or the {@link FileWriteError} the write would end in
 * @example
 * ```ts ignore
 * import { checkAtomicWrite } from "flannel-ts/node";
 * // Probes /run (as root): type-checked, not run.
 * const writable = await checkAtomicWrite("/run/flannel/subnet.env", { mkdir: true });
 * if (writable.isErr()) console.error(writable.error.message);
 * ```
 */
export function checkAtomicWrite(path: string, options: Pick<AtomicWriteOptions, "mkdir" | "fs"> = {}): ResultAsync<void, FileWriteError> {
  return ResultAsync.fromPromise(probe(path, options), toWriteError(path));
}
