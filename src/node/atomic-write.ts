/**
 * Replacing a file so that readers see the old or the new contents, never a
 * mix, and a crash at any point leaves the old file in place: the new text
 * goes to a temporary file in the same directory, is flushed to disk, and is
 * renamed over the target; then the directory is flushed.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import * as nodeFs from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ResultAsync } from "neverthrow";

/** The file operations {@link atomicWriteFile} uses; tests pass a wrapper to inject failures. */
export interface AtomicWriteFs {
  readonly mkdir: (path: string, options: { recursive: true; mode: number }) => Promise<string | undefined>;
  readonly stat: (path: string) => Promise<Stats>;
  readonly realpath: (path: string) => Promise<string>;
  readonly open: (path: string, flags: string, mode?: number) => Promise<FileHandle>;
  readonly link: (existingPath: string, newPath: string) => Promise<void>;
  readonly copyFile: (src: string, dest: string) => Promise<void>;
  readonly rename: (oldPath: string, newPath: string) => Promise<void>;
  readonly unlink: (path: string) => Promise<void>;
}

/** The step of {@link atomicWriteFile} that failed. */
export type AtomicWriteStep = "mkdir" | "stat" | "open" | "write" | "chmod" | "chown" | "fsync" | "backup" | "rename" | "fsync-dir";

/** Why a file could not be written. The target is unchanged unless `step` is `"fsync-dir"` (then it is replaced, maybe not yet durable). */
export interface FileWriteError {
  readonly kind: "file-write";
  readonly path: string;
  readonly step: AtomicWriteStep;
  /** The system error code, e.g. `EACCES`, when there is one. */
  readonly code?: string;
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
  /** Where to keep the previous file (replaced if there); default: no backup. */
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
  ) {
    super(step);
  }
}

const codeOf = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined;

async function step<T>(name: AtomicWriteStep, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    throw cause instanceof StepError ? cause : new StepError(name, cause);
  }
}

async function statOrUndefined(fs: AtomicWriteFs, path: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(path);
  } catch (cause) {
    if (codeOf(cause) === "ENOENT") return undefined;
    throw cause;
  }
}

async function write(path: string, data: string | Uint8Array, options: AtomicWriteOptions): Promise<AtomicWriteReport> {
  const fs = options.fs ?? nodeFs;
  if (options.mkdir === true) await step("mkdir", () => fs.mkdir(dirname(path), { recursive: true, mode: 0o755 }));
  const existing = await step("stat", () => statOrUndefined(fs, path));
  const target = existing === undefined ? path : await step("stat", () => fs.realpath(path));
  const dir = dirname(target);
  const mode = existing !== undefined && options.keepMode !== false ? existing.mode & 0o7777 : (options.mode ?? 0o644);
  const temp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
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
    if (existing !== undefined && options.backupPath !== undefined) {
      const backup = options.backupPath;
      const backupTemp = `${backup}.${randomBytes(4).toString("hex")}.tmp`;
      await step("backup", async () => {
        try {
          await fs.link(target, backupTemp);
        } catch {
          await fs.copyFile(target, backupTemp);
        }
        await fs.rename(backupTemp, backup);
      }).catch(async (cause: unknown) => {
        await fs.unlink(backupTemp).catch(() => undefined);
        throw cause;
      });
      backupPath = backup;
    }
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

/**
 * Replaces (or creates) a file atomically: temporary file in the same
 * directory, written, given the mode (and owner) the file should have,
 * flushed with fsync, optionally the previous file kept as a backup (a hard
 * link, so the backup is the old file itself), renamed over the target, and
 * the directory flushed. On any failure before the rename the target is
 * untouched and the temporary file removed; a crash leaves at most a stray
 * `.<name>.<pid>.<hex>.tmp` beside it.
 *
 * @param path the file to write; a symbolic link is followed and its target replaced
 * @param data the new contents (a string is written as UTF-8)
 * @param options mode, owner, backup, directory creation
 * @returns what was done, or a {@link FileWriteError} naming the failed step
 * @example
 * ```ts
 * import { atomicWriteFile } from "./atomic-write.ts";
 * await atomicWriteFile("/run/flannel/subnet.env", "FLANNEL_MTU=1472\n", { mkdir: true });
 * ```
 */
export function atomicWriteFile(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): ResultAsync<AtomicWriteReport, FileWriteError> {
  return ResultAsync.fromPromise(write(path, data, options), (cause): FileWriteError => {
    const failed = cause instanceof StepError ? cause : new StepError("write", cause);
    const code = codeOf(failed.failure);
    const reason = failed.failure instanceof Error ? failed.failure.message : String(failed.failure);
    return {
      kind: "file-write",
      path,
      step: failed.step,
      ...(code !== undefined && { code }),
      message:
        failed.step === "fsync-dir"
          ? `${path} was replaced, but flushing its directory failed: ${reason}`
          : `cannot write ${path} (${failed.step} failed: ${reason}); the file is unchanged`,
    };
  });
}
