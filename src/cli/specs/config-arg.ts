/**
 * The `<json | @file>` argument of `config check` and `config set`, declared once.
 *
 * @module
 */
import type { PositionalSpec } from "../command-spec.ts";

/** One network config, inline or `@path`. */
export const CONFIG_ARGUMENT: PositionalSpec = Object.freeze({
  name: "<json | @file>",
  help: "the config as inline JSON, or @path to read it from a file (a regular file of at most 1 MiB)",
  min: 1,
  max: 1,
  missing: "missing the config: give inline JSON or @file",
  extra: "give one config (quote inline JSON)",
});
