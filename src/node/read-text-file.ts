/**
 * Reading a file strictly and boundedly: only a regular file is read (a
 * FIFO, a device, a directory or a socket is a typed error naming the path,
 * and a FIFO never blocks: the file is opened with O_NONBLOCK and checked
 * with fstat on the open descriptor), at most a given number of bytes (more
 * is an error naming the limit), a missing file is a value (undefined), not
 * an error, and for text, bytes that are not UTF-8 are an error with their
 * offset.
 *
 * @module
 */
import { constants, type Stats } from "node:fs";
import { open, stat } from "node:fs/promises";
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { fileTypeOf } from "./_file-type.ts";

/** The size limit when none is given: 1 MiB, more than any config, subnet.env, unit or certificate needs. */
export const DEFAULT_MAX_READ_BYTES = 1024 * 1024;

/** Why a file could not be read. */
export interface FileReadError {
  readonly kind: "file-read";
  readonly path: string;
  /**
   * The system error code (e.g. `EACCES`); `ENOTREG` when the path is not a
   * regular file, `EFBIG` when the file is larger than the limit, `EILSEQ`
   * when its bytes are not UTF-8.
   */
  readonly code?: string;
  /** For `ENOTREG`: what is there (`directory`, `FIFO`, `character device`, `block device`, `socket`). */
  readonly fileType?: string;
  /** For `EFBIG`: the limit in bytes. */
  readonly limit?: number;
  /** For `EILSEQ`: the offset of the first byte that is not UTF-8. */
  readonly offset?: number;
  readonly message: string;
}

/** Options of {@link readRegularFile} and {@link readTextFile}. */
export interface ReadFileOptions {
  /** The most bytes to read; a larger file is an `EFBIG` error. Default {@link DEFAULT_MAX_READ_BYTES}. */
  readonly maxBytes?: number;
}

const codeOf = (cause: unknown): string | undefined => typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined;

const sizeText = (bytes: number): string => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`);

class ReadFailure extends Error {
  constructor(readonly error: FileReadError) {
    super(error.message);
  }
}

const notRegular = (path: string, s: Stats): ReadFailure =>
  new ReadFailure({ kind: "file-read", path, code: "ENOTREG", fileType: fileTypeOf(s), message: `cannot read ${path}: it is a ${fileTypeOf(s)}, not a regular file` });

const tooLarge = (path: string, limit: number): ReadFailure =>
  new ReadFailure({ kind: "file-read", path, code: "EFBIG", limit, message: `cannot read ${path}: it is larger than the limit of ${sizeText(limit)}` });

const CHUNK = 64 * 1024;

async function readBounded(path: string, limit: number): Promise<Uint8Array | undefined> {
  // A first look without opening: a device is not even opened (opening some has effects).
  let before: Stats;
  try {
    before = await stat(path);
  } catch (cause) {
    if (codeOf(cause) === "ENOENT") return undefined;
    throw cause;
  }
  if (!before.isFile()) throw notRegular(path, before);
  // The descriptor decides: the path may have been replaced meanwhile. O_NONBLOCK: a FIFO put there does not block the open.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  try {
    const now = await handle.stat();
    if (!now.isFile()) throw notRegular(path, now);
    if (now.size > limit) throw tooLarge(path, limit);
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const buffer = new Uint8Array(Math.min(CHUNK, limit + 1 - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
      // The size can grow while it is read (and /proc files say 0).
      if (total > limit) throw tooLarge(path, limit);
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    return bytes;
  } finally {
    await handle.close();
  }
}

/**
 * Reads a regular file, at most `maxBytes` of it.
 *
 * @param path the file (a symbolic link is followed)
 * @param options the size limit
 * @returns the bytes, `undefined` when the file does not exist, or a {@link FileReadError}
 * @example
 * ```ts ignore
 * import { readRegularFile } from "flannel-ts/node";
 * // Reads the host's files: type-checked, not run.
 * const pem = await readRegularFile("/etc/ssl/etcd/ca.pem", { maxBytes: 64 * 1024 });
 * if (pem.isErr()) console.error(pem.error.message);
 * else if (pem.value === undefined) console.log("no CA file");
 * ```
 */
export function readRegularFile(path: string, options: ReadFileOptions = {}): ResultAsync<Uint8Array | undefined, FileReadError> {
  const limit = options.maxBytes ?? DEFAULT_MAX_READ_BYTES;
  return ResultAsync.fromPromise(readBounded(path, limit), (cause): FileReadError => {
    if (cause instanceof ReadFailure) return cause.error;
    const code = codeOf(cause);
    const reason = cause instanceof Error ? cause.message : String(cause);
    return { kind: "file-read", path, ...(code !== undefined && { code }), message: `cannot read ${path}: ${reason}` };
  });
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    const need = b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(i, i + need + 1));
    } catch {
      return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * Reads a UTF-8 text file: a regular file, at most `maxBytes`. A
 * byte-order mark is kept in the text (as U+FEFF), so that a writer can
 * keep it.
 *
 * @param path the file (a symbolic link is followed)
 * @param options the size limit
 * @returns the text, `undefined` when the file does not exist, or a {@link FileReadError}
 * @example
 * ```ts ignore
 * import { readTextFile } from "flannel-ts/node";
 * // Reads the host's files: type-checked, not run.
 * const text = await readTextFile("/etc/docker/daemon.json", { maxBytes: 4 * 1024 * 1024 });
 * if (text.isErr()) console.error(text.error.message);
 * else console.log(text.value ?? "no daemon.json");
 * ```
 */
export function readTextFile(path: string, options: ReadFileOptions = {}): ResultAsync<string | undefined, FileReadError> {
  return readRegularFile(path, options).andThen((bytes) => {
    if (bytes === undefined) return okAsync(undefined);
    try {
      return okAsync(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes));
    } catch {
      const offset = firstInvalidUtf8(bytes);
      return errAsync<string, FileReadError>({
        kind: "file-read",
        path,
        code: "EILSEQ",
        offset,
        message: `cannot read ${path}: the byte at offset ${offset} is not UTF-8; save the file as UTF-8`,
      });
    }
  });
}
