import { readFileSync } from "node:fs";
import { err, ok, type Result } from "neverthrow";

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
