/**
 * The `<json | @file>` argument of `config check`, `config set` and
 * `subnet alloc --config`: inline text, or `@path` for the text of a file
 * (a regular file of at most {@link CONFIG_FILE_MAX_BYTES}; a FIFO or a
 * device is an error at once).
 *
 * @module
 */
import { errAsync, okAsync, type ResultAsync } from "neverthrow";
import { type FileReadError, readTextFile } from "../node/read-text-file.ts";
import { type NetworkConfig, parseNetworkConfig } from "../subnet/network-config.ts";
import type { CliError } from "./reporter.ts";

/** The largest config file read through `@path`: 1 MiB. */
export const CONFIG_FILE_MAX_BYTES = 1024 * 1024;

/**
 * Reads an argument that is either inline text or `@path`.
 *
 * @param arg the argument as given
 * @returns the text, or why the file cannot be read
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "neverthrow";
 * import { readTextArg } from "./args.ts";
 * const text = await readTextArg('{"Network": "10.5.0.0/16"}');
 * assert.deepEqual(text, ok('{"Network": "10.5.0.0/16"}')); // not a file: the text itself
 * ```
 */
export function readTextArg(arg: string): ResultAsync<string, FileReadError> {
  if (!arg.startsWith("@")) return okAsync(arg);
  const path = arg.slice(1);
  return readTextFile(path, { maxBytes: CONFIG_FILE_MAX_BYTES }).andThen((text) =>
    text === undefined ? errAsync<string, FileReadError>({ kind: "file-read", path, code: "ENOENT", message: `cannot read ${path}: it does not exist` }) : okAsync(text)
  );
}

/**
 * Reads and checks a network config given inline or as `@file`, parsed with
 * flanneld's defaults, every problem reported.
 *
 * @param arg the argument as given
 * @returns the config and the text as given (which `config set` stores), or every problem (exit 1)
 * @example
 * ```ts
 * import { readNetworkConfigArg } from "./args.ts";
 * const config = await readNetworkConfigArg('{"Network": "10.5.0.0/16"}');
 * ```
 */
export function readNetworkConfigArg(arg: string): ResultAsync<{ readonly text: string; readonly config: NetworkConfig }, readonly CliError[]> {
  return readTextArg(arg)
    .mapErr((e): readonly CliError[] => [e])
    .andThen((text) => {
      const config = parseNetworkConfig(text);
      return config.isOk() ? okAsync({ text, config: config.value }) : errAsync(config.error);
    });
}
