/**
 * A command from its spec and its work: the flags are parsed and checked by
 * the one flag layer, `--help` and every usage error are answered the same
 * way for every command (help on stdout with exit 0; the error on stderr,
 * as JSON with --json, exit 2), and an exception nobody expected becomes
 * one line and exit 70.
 *
 * @module
 */
import type { CommandSpec } from "./command-spec.ts";
import { EXIT } from "./exit-codes.ts";
import type { FlagSet, FlagValues } from "./flag-spec.ts";
import { formatUsage } from "./format-usage.ts";
import type { CliCommand, CliIo } from "./io.ts";
import { parseCommandLine, wantsJson } from "./parse-command-line.ts";
import { createReporter, type Reporter } from "./reporter.ts";

/** What a command's work is given: typed values, positionals, the io and the reporter. */
export interface CommandRun<F extends FlagSet> {
  readonly values: FlagValues<F>;
  readonly positionals: readonly string[];
  readonly io: CliIo;
  readonly report: Reporter;
}

/** A command with its spec. */
export interface DefinedCommand<F extends FlagSet = FlagSet> extends CliCommand {
  readonly spec: CommandSpec<F>;
}

const prefixOf = (spec: { readonly program?: string | undefined; readonly name: string }): string => [spec.program ?? "flannel-ts", spec.name].filter((w) => w !== "").join(" ");

/**
 * Answers a command line that will not run the command: prints the help
 * (exit 0) or the usage error (exit 2). The CLI calls it with the light
 * spec before it loads the command's module.
 *
 * @param spec the command's spec
 * @param argv the arguments after the command's name
 * @param io output and environment
 * @returns the exit code when answered, `undefined` when the command should run
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defineSpec } from "./command-spec.ts";
 * import { answerWithoutRunning } from "./define-command.ts";
 * const spec = defineSpec({ name: "leases", synopsis: "", description: "", flags: {} });
 * const code = answerWithoutRunning(spec, ["--bogus"], { out: () => undefined, err: () => undefined, env: {} });
 * assert.equal(code, 2);
 * ```
 */
export function answerWithoutRunning<F extends FlagSet>(spec: CommandSpec<F>, argv: readonly string[], io: CliIo): number | undefined {
  const line = parseCommandLine(spec, argv, io.env);
  if (line.isErr()) return createReporter(io, prefixOf(spec), wantsJson(argv)).error(line.error, EXIT.usage);
  if (line.value.help) {
    io.out(formatUsage(spec));
    return EXIT.ok;
  }
  return undefined;
}

/**
 * Makes a command from its spec and its work.
 *
 * @param spec flags, help, checks
 * @param work the command's work, given checked values; resolves to the exit code
 * @returns the command
 * @example
 * ```ts
 * import { defineSpec } from "./command-spec.ts";
 * import { defineCommand } from "./define-command.ts";
 * import { boolFlag } from "./flag-spec.ts";
 * const spec = defineSpec({ name: "hello", synopsis: "[--json]", description: "Says hello.", flags: { json: boolFlag("json", { help: "print JSON" }) } });
 * const hello = defineCommand(spec, ({ values, io }) => {
 *   io.out(values.json ? '{"hello":true}\n' : "hello\n");
 *   return Promise.resolve(0);
 * });
 * ```
 */
export function defineCommand<F extends FlagSet>(spec: CommandSpec<F>, work: (run: CommandRun<F>) => Promise<number>): DefinedCommand<F> {
  const usage = formatUsage(spec);
  return {
    spec,
    usage,
    run: async (argv, io) => {
      const line = parseCommandLine(spec, argv, io.env);
      const json = line.isOk() && !line.value.help ? (line.value.values as Record<string, unknown>)["json"] === true : wantsJson(argv);
      const report = createReporter(io, prefixOf(spec), json);
      if (line.isErr()) return report.error(line.error, EXIT.usage);
      if (line.value.help) {
        io.out(usage);
        return EXIT.ok;
      }
      try {
        return await work({ values: line.value.values, positionals: line.value.positionals, io, report });
      } catch (cause) {
        return report.internal(cause);
      }
    },
  };
}
