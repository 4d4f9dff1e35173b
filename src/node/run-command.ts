import { execFile } from "node:child_process";
import { ResultAsync } from "neverthrow";

/** What a finished command printed and how it exited. */
export interface CommandOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A command could not be started at all (not installed, not executable). */
export interface CommandStartError {
  readonly kind: "command-start";
  readonly command: string;
  readonly message: string;
}

/** Runs a program with arguments; a non-zero exit is a value, not an error. */
export type CommandRunner = (command: string, args: readonly string[]) => ResultAsync<CommandOutput, CommandStartError>;

/**
 * Runs `command` with `args` (no shell) and collects its output. A non-zero
 * exit code is reported in the output; only a command that cannot start is
 * an error.
 *
 * @example
 * ```ts
 * import { runCommand } from "./run-command.ts";
 * const out = await runCommand("ip", ["-o", "link", "show"]);
 * if (out.isOk() && out.value.code === 0) console.log(out.value.stdout);
 * ```
 */
export const runCommand: CommandRunner = (command, args) =>
  ResultAsync.fromPromise(
    new Promise<CommandOutput>((resolve, reject) => {
      execFile(command, [...args], { encoding: "utf8", maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error === null) return resolve({ code: 0, stdout, stderr });
        // An exit status is a number; a failure to start has an errno string (ENOENT...).
        const code: unknown = error.code;
        if (typeof code === "number") return resolve({ code, stdout, stderr });
        reject(new Error(error.message, { cause: error }));
      });
    }),
    (cause): CommandStartError => ({
      kind: "command-start",
      command,
      message: `cannot run ${command}: ${cause instanceof Error ? cause.message : String(cause)}`,
    }),
  );
