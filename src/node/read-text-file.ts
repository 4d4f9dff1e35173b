/**
 * Reading a UTF-8 text file strictly: a missing file is a value (undefined),
 * not an error, and bytes that are not UTF-8 are an error with their offset.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { errAsync, okAsync, ResultAsync } from "neverthrow";

/** Why a file could not be read. */
export interface FileReadError {
  readonly kind: "file-read";
  readonly path: string;
  /** The system error code (e.g. `EACCES`), or `EILSEQ` when the bytes are not UTF-8. */
  readonly code?: string;
  /** For `EILSEQ`: the offset of the first byte that is not UTF-8. */
  readonly offset?: number;
  readonly message: string;
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
 * Reads a UTF-8 text file. A byte-order mark is kept in the text (as
 * U+FEFF), so that a writer can keep it.
 *
 * @param path the file
 * @returns the text, `undefined` when the file does not exist, or a {@link FileReadError}
 * @example
 * ```ts
 * import { readTextFile } from "./read-text-file.ts";
 * const text = await readTextFile("/etc/docker/daemon.json"); // ok(undefined) when there is none
 * ```
 */
export function readTextFile(path: string): ResultAsync<string | undefined, FileReadError> {
  return ResultAsync.fromPromise(readFile(path), (cause): FileReadError => {
    const code = typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string" ? cause.code : undefined;
    const reason = cause instanceof Error ? cause.message : String(cause);
    return { kind: "file-read", path, ...(code !== undefined && { code }), message: `cannot read ${path}: ${reason}` };
  })
    .orElse((error) => (error.code === "ENOENT" ? okAsync(undefined) : errAsync(error)))
    .andThen((bytes) => {
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
