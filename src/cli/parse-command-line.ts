/**
 * The one parser of every command's flags: flanneld's conventions (Go's
 * `-flag`, `--flag=v`, `--bool=false`; a flag that takes a value takes the
 * next argument whatever it looks like; FLANNELD_* variables apply only to
 * flags the command line did not set, and an empty one counts as unset),
 * getopt's short clusters for mk-docker-opts.sh's letters (`-ic`, `-kOPTS`),
 * then every value through its type and the command's own checks. Pure.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import type { CommandSpec, Environment } from "./command-spec.ts";
import { envVariableOf, type FlagError, type FlagSet, type FlagSpec, type FlagValues } from "./flag-spec.ts";
import { quoteExcerpt } from "../text/quote-excerpt.ts";

/** A parsed command line: `--help` was asked for, or the typed values. */
export type CommandLine<F extends FlagSet> =
  | { readonly help: true }
  | {
    readonly help: false;
    readonly values: FlagValues<F>;
    readonly positionals: readonly string[];
  };

interface Occurrence {
  readonly text: string;
  readonly variable?: string;
}

const HELP = new Set(["-h", "--help", "-help"]);

/**
 * Where a value came from, for a message: `--mtu`, or
 * `FLANNELD_MTU (for --mtu)`.
 *
 * @param flag the flag's name without dashes
 * @param variable the variable the value came from, if it did
 * @returns the text
 */
function where(flag: string, variable: string | undefined): string {
  return variable === undefined ? `--${flag}` : `${variable} (for --${flag})`;
}

/**
 * The error for a value its type refused: the flag, the variable, the value
 * as a short excerpt (never for a secret) and the reason.
 *
 * @param flag the flag
 * @param occurrence the value and where it came from
 * @param reason the type's reason, phrased to follow the value
 * @returns the error
 * @example
 * ```ts
 * import { badValue } from "./parse-command-line.ts";
 * import { flagTypes } from "./flag-types.ts";
 * import { valueFlag } from "./flag-spec.ts";
 * const e = badValue(valueFlag("port", { type: flagTypes.port, default: 8285, help: "" }), { text: "0" }, "is not a port (1 to 65535)");
 * // e.message: '--port: "0" is not a port (1 to 65535)'
 * ```
 */
export function badValue(flag: FlagSpec<unknown>, occurrence: Occurrence, reason: string): FlagError {
  const shown = flag.secret === true ? "the value given" : quoteExcerpt(occurrence.text);
  return {
    kind: "bad-value",
    flag: `--${flag.name}`,
    ...(occurrence.variable === undefined ? {} : { variable: occurrence.variable }),
    message: `${where(flag.name, occurrence.variable)}: ${shown} ${reason}`,
  };
}

/**
 * Parses a command's arguments and environment against its spec.
 *
 * @param spec the command
 * @param argv the arguments after the command's name
 * @param env the environment (FLANNELD_* variables, and what the spec's check reads)
 * @returns the typed values and the positionals, `{ help: true }` when -h/--help was given, or the first problem
 * @example
 * ```ts
 * import { defineSpec } from "./command-spec.ts";
 * import { boolFlag, valueFlag } from "./flag-spec.ts";
 * import { flagTypes } from "./flag-types.ts";
 * import { parseCommandLine } from "./parse-command-line.ts";
 * const spec = defineSpec({
 *   name: "demo",
 *   synopsis: "[flags]",
 *   description: "",
 *   flags: { port: valueFlag("port", { type: flagTypes.port, default: 8285, help: "", env: true }), json: boolFlag("json", { help: "" }) },
 * });
 * const line = parseCommandLine(spec, ["-json"], { FLANNELD_PORT: "8300" });
 * // ok({ help: false, values: { port: 8300, json: true }, positionals: [] })
 * ```
 */
export function parseCommandLine<F extends FlagSet>(spec: CommandSpec<F>, argv: readonly string[], env: Environment): Result<CommandLine<F>, FlagError> {
  const byName = new Map<string, readonly [string, FlagSpec<unknown>]>();
  const byShort = new Map<string, readonly [string, FlagSpec<unknown>]>();
  for (const [key, flag] of Object.entries(spec.flags)) {
    byName.set(flag.name, [key, flag]);
    if (flag.short !== undefined) byShort.set(flag.short, [key, flag]);
  }
  const program = [spec.program ?? "flannel-ts", spec.name].filter((w) => w !== "").join(" ");
  const seeHelp = `run ${program} --help for the list`;
  const found = new Map<string, Occurrence[]>();
  const add = (key: string, text: string): void => {
    found.set(key, [...(found.get(key) ?? []), { text }]);
  };
  const positionals: string[] = [];
  let help = false;
  // The first problem; the scan goes on, so that --help after it still answers with the help.
  let problem: FlagError | undefined;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (HELP.has(arg)) {
      help = true;
      continue;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const long = /^--?([^=]+)(?:=(.*))?$/s.exec(arg);
    const name = long?.[1] ?? "";
    const inline = long?.[2];
    // "-ip-masq" is Go's spelling of a long flag; "-ic" is a cluster of short ones.
    const isLong = arg.startsWith("--") || byName.has(name) || !byShort.has(arg[1] ?? "");
    if (isLong) {
      const entry = byName.get(name);
      if (entry === undefined) {
        problem ??= { kind: "unknown-flag", flag: arg.split("=")[0] ?? arg, message: `unknown flag ${quoteExcerpt(arg.split("=")[0] ?? arg)}; ${seeHelp}` };
        continue;
      }
      const [key, flag] = entry;
      if (flag.kind === "bool" || inline !== undefined) {
        add(key, inline ?? "true");
        continue;
      }
      const next = argv[i + 1];
      if (flag.bare !== undefined && (next === undefined || next.startsWith("-"))) {
        add(key, flag.bare);
        continue;
      }
      if (next === undefined) {
        problem ??= { kind: "missing-value", flag: `--${flag.name}`, message: `flag --${flag.name} needs a value` };
        continue;
      }
      add(key, next);
      i++;
      continue;
    }
    // A cluster of short flags, getopt's way: "-ic", "-cmk NAME", "-kNAME".
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j] ?? "";
      const entry = byShort.get(letter);
      if (entry === undefined) {
        problem ??= {
          kind: "unknown-flag",
          flag: `-${letter}`,
          message: `unknown flag ${quoteExcerpt(`-${letter}`)}${arg.length > 2 ? ` in ${quoteExcerpt(arg)}` : ""}; ${seeHelp}`,
        };
        break;
      }
      const [key, flag] = entry;
      if (flag.kind === "bool") {
        add(key, "true");
        continue;
      }
      const rest = arg.slice(j + 1);
      const next = argv[i + 1];
      if (rest !== "") add(key, rest);
      else if (next === undefined) problem ??= { kind: "missing-value", flag: `-${letter}`, message: `flag -${letter} (--${flag.name}) needs a value` };
      else {
        add(key, next);
        i++;
      }
      break;
    }
  }
  if (help) return ok({ help: true });
  if (problem !== undefined) return err(problem);

  const pos = spec.positionals;
  if (pos === undefined && positionals.length > 0) {
    return err({
      kind: "unexpected-argument",
      message: `unexpected argument ${quoteExcerpt(positionals[0] ?? "")}: ${program} takes only flags (a boolean takes its value as --flag=false)`,
    });
  }
  if (pos !== undefined && positionals.length < pos.min) return err({ kind: "missing-argument", message: `${pos.missing}; run ${program} --help for usage` });
  if (pos !== undefined && positionals.length > pos.max) {
    return err({ kind: "unexpected-argument", message: `unexpected argument ${quoteExcerpt(positionals[pos.max] ?? "")}: ${pos.extra}` });
  }

  const values: Record<string, unknown> = {};
  for (const [key, flag] of Object.entries(spec.flags)) {
    let occurrences = found.get(key) ?? [];
    if (occurrences.length === 0 && flag.env) {
      const variable = envVariableOf(flag.name);
      const text = env[variable];
      if (text !== undefined && text !== "") occurrences = [{ text, variable }];
    }
    if (occurrences.length === 0 && flag.required === true) {
      const variable = flag.env ? ` (or ${envVariableOf(flag.name)})` : "";
      return err({ kind: "missing-flag", flag: `--${flag.name}`, message: `--${flag.name}${variable} is required: ${flag.help}` });
    }
    const parsed: unknown[] = [];
    for (const occurrence of occurrences) {
      const value = flag.parse(occurrence.text);
      if (value.isErr()) return err(badValue(flag, occurrence, value.error));
      parsed.push(value.value);
    }
    values[key] = flag.collect(parsed);
  }
  const typed = values as FlagValues<F>;
  const checked = spec.check?.(typed, positionals, env);
  if (checked?.isErr() === true) return err(checked.error);
  return ok({ help: false, values: typed, positionals });
}

/**
 * Whether the arguments ask for JSON output (`--json`, `-json`,
 * `--json=true`), read without the spec: a command line that does not
 * parse still gets its error as JSON.
 *
 * @param argv the arguments
 * @returns true when --json is among them (before `--`)
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wantsJson } from "./parse-command-line.ts";
 * assert.equal(wantsJson(["--bogus", "--json"]), true);
 * ```
 */
export function wantsJson(argv: readonly string[]): boolean {
  let json = false;
  for (const arg of argv) {
    if (arg === "--") break;
    const m = /^--?json(?:=(.*))?$/s.exec(arg);
    if (m !== null) json = m[1] === undefined || ["1", "t", "T", "TRUE", "true", "True"].includes(m[1]);
  }
  return json;
}
