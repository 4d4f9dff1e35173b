/**
 * What a command is, as data: its flags, its arguments, its help text and
 * the checks that relate flags to each other. A spec imports nothing heavy,
 * so that `--help` and a bad flag are answered without loading the command.
 * Pure.
 *
 * @module
 */
import type { Result } from "neverthrow";
import type { FlagError, FlagSet, FlagValues } from "./flag-spec.ts";

/** The positional arguments of a command (at most one kind). */
export interface PositionalSpec {
  /** As the help shows it, e.g. `<json | @file>`. */
  readonly name: string;
  readonly help: string;
  readonly min: number;
  readonly max: number;
  /** The message when fewer are given, e.g. `missing the config: give inline JSON or @file`. */
  readonly missing: string;
  /** What to say after `unexpected argument "..."` when more are given. */
  readonly extra: string;
}

/** A headed group of flags in the help (e.g. the etcd flags): their keys in the spec's flags. */
export interface FlagGroup {
  readonly title: string;
  readonly flags: readonly string[];
}

/** Environment variables a command reads besides FLANNELD_* (e.g. DOCKER_HOST). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A command, declared. */
export interface CommandSpec<F extends FlagSet = FlagSet> {
  /** The words after the program, e.g. `config check`. */
  readonly name: string;
  /** The program that runs it, in the usage line. Default `flannel-ts`. */
  readonly program?: string;
  /** What follows the name in the usage line, e.g. `<json | @file> [--json]`. */
  readonly synopsis: string;
  /** Paragraphs, already wrapped. */
  readonly description: string;
  readonly positionals?: PositionalSpec;
  readonly flags: F;
  /** Flags listed under their own heading; the others go under "Flags:". */
  readonly groups?: readonly FlagGroup[];
  /** Text after the flags (examples, the exit status), already wrapped. */
  readonly footer?: string;
  /**
   * Checks between flags, and of variables other than FLANNELD_* (e.g. a
   * subnet inside its network, DOCKER_HOST): run after every flag parsed,
   * before the command starts. (A method, so that a spec of any flags is a
   * `CommandSpec` in the command table.)
   */
  check?(values: FlagValues<F>, positionals: readonly string[], env: Environment): Result<void, FlagError>;
}

/**
 * Declares a command (an identity that keeps the flags' types).
 *
 * @param spec the command's flags, help and checks
 * @returns the same spec
 * @example
 * ```ts
 * import { defineSpec } from "./command-spec.ts";
 * import { boolFlag } from "./flag-spec.ts";
 * const spec = defineSpec({ name: "config get", synopsis: "[--json]", description: "Prints the config.", flags: { json: boolFlag("json", { help: "print JSON" }) } });
 * ```
 */
export function defineSpec<F extends FlagSet>(spec: CommandSpec<F>): CommandSpec<F> {
  return spec;
}
