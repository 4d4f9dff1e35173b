import { readFileSync } from "node:fs";
import { err, ok, type Result } from "neverthrow";
import { parseNetworkConfig, type NetworkConfig } from "../subnet/index.ts";

/** Why a `<json | @file>` argument could not be read. */
export interface JsonArgError {
  readonly kind: "json-arg";
  readonly message: string;
}

/**
 * Reads a command-line argument that is either inline text or `@path` (the
 * text of the file at path), the convention of `config check` and `config set`.
 */
export function readTextArg(arg: string): Result<string, JsonArgError> {
  if (!arg.startsWith("@")) return ok(arg);
  const path = arg.slice(1);
  try {
    return ok(readFileSync(path, "utf8"));
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return err({ kind: "json-arg", message: `cannot read ${path}: ${reason}` });
  }
}

/** Why the one `<json | @file>` config argument of a command could not be used. */
export interface ConfigArgError {
  /** 2 for a usage error (missing or extra argument), 1 for a bad file or config. */
  readonly exitCode: 1 | 2;
  /** One line each, without the command's prefix. */
  readonly messages: readonly string[];
}

/**
 * Reads and checks the network config given as the single positional
 * argument (`config check`, `config set`): inline JSON or `@file`, parsed
 * with flanneld's defaults, every problem reported.
 *
 * @param positionals the command's positional arguments
 * @returns the config and the text as given (which `config set` stores), or what was wrong
 */
export function readNetworkConfigArg(positionals: readonly string[]): Result<{ readonly text: string; readonly config: NetworkConfig }, ConfigArgError> {
  const [source, ...extra] = positionals;
  if (source === undefined) return err({ exitCode: 2, messages: ["missing the config: give inline JSON or @file; run with --help for usage"] });
  if (extra.length > 0) return err({ exitCode: 2, messages: [`unexpected argument "${extra[0]}": give one config (quote inline JSON)`] });
  const text = readTextArg(source);
  if (text.isErr()) return err({ exitCode: 1, messages: [text.error.message] });
  const config = parseNetworkConfig(text.value);
  if (config.isErr()) return err({ exitCode: 1, messages: config.error.map((problem) => problem.message) });
  return ok({ text: text.value, config: config.value });
}
