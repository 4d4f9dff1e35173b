/**
 * The one error path of the CLI: every error and warning of every command
 * goes through a {@link Reporter}, which prints it as one line on stderr
 * (`flannel-ts <command>: <message>`) or, with `--json`, as one JSON object
 * per line (`{"error":{"kind":...,"message":...,"exitCode":2}}`), with
 * passwords in URLs masked and control characters escaped. Pure over the
 * {@link CliIo} it is given.
 *
 * @module
 */
import { EXIT } from "./exit-codes.ts";
import type { CliIo } from "./io.ts";
import { maskUrlPasswords, oneLine } from "./one-line.ts";

/** An error as a command reports it; its other fields (flag, variable, line, path, ...) go into the JSON. */
export interface CliError {
  /** What kind of failure: a flag error's kind (`bad-value`, ...), the library error's kind (`file-read`, ...). */
  readonly kind: string;
  readonly message: string;
}

/** Prints errors and warnings of one command run. */
export interface Reporter {
  /** True when the command line asked for JSON. */
  readonly json: boolean;
  /** Prints an error and returns the exit code to end with (default 1). */
  readonly error: <E extends CliError>(error: E | string, exitCode?: number) => number;
  /** Prints a warning (the command goes on). */
  readonly warning: (message: string) => void;
  /** Prints an exception nobody expected as `internal error: ...` (the stack only with FLANNEL_TS_DEBUG=1) and returns 70. */
  readonly internal: (cause: unknown) => number;
}

const clean = (message: string): string => oneLine(maskUrlPasswords(message));

const jsonLine = (value: unknown): string => `${JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n`;

/**
 * Makes the reporter of a command run.
 *
 * @param io where to write (stderr) and the environment (FLANNEL_TS_DEBUG)
 * @param prefix the line's start, e.g. `flannel-ts config check`
 * @param json print JSON objects instead of lines
 * @returns the reporter
 * @example
 * ```ts
 * import { createReporter } from "./reporter.ts";
 * const lines: string[] = [];
 * const report = createReporter({ out: () => undefined, err: (t) => lines.push(t), env: {} }, "flannel-ts leases", true);
 * const code = report.error({ kind: "bad-value", message: "--etcd-endpoints: ...", flag: "--etcd-endpoints" }, 2);
 * // lines[0]: '{"error":{"kind":"bad-value","message":"--etcd-endpoints: ...","flag":"--etcd-endpoints","exitCode":2}}\n'
 * ```
 */
export function createReporter(io: CliIo, prefix: string, json: boolean): Reporter {
  const debug = io.env["FLANNEL_TS_DEBUG"] === "1";
  const error = <E extends CliError>(e: E | string, exitCode: number = EXIT.failed): number => {
    const given: CliError = typeof e === "string" ? { kind: "failed", message: e } : e;
    const message = clean(given.message);
    if (json) {
      const fields: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(given)) {
        if (key === "message" || key === "exitCode") continue;
        fields[key] = typeof value === "string" ? clean(value) : value;
      }
      let line: string;
      try {
        line = jsonLine({ error: { ...fields, message, exitCode } });
      } catch {
        line = jsonLine({ error: { kind: given.kind, message, exitCode } });
      }
      io.err(line);
    } else {
      io.err(`${prefix}: ${message}\n`);
    }
    return exitCode;
  };
  return {
    json,
    error,
    warning: (message) => {
      if (json) io.err(jsonLine({ warning: { message: clean(message) } }));
      else io.err(`${prefix}: warning: ${clean(message)}\n`);
    },
    internal: (cause) => {
      const text = cause instanceof Error ? `${cause.name === "Error" ? "" : `${cause.name}: `}${cause.message}` : String(cause);
      const stack = debug && cause instanceof Error ? cause.stack : undefined;
      if (json) {
        io.err(jsonLine({ error: { kind: "internal", message: clean(`internal error: ${text}`), exitCode: EXIT.internal, ...(stack === undefined ? {} : { stack }) } }));
      } else {
        io.err(`${prefix}: ${clean(`internal error: ${text}`)}${debug ? "" : " (FLANNEL_TS_DEBUG=1 shows where)"}\n`);
        if (stack !== undefined) io.err(`${stack}\n`);
      }
      return EXIT.internal;
    },
  };
}
