import { execFile } from "node:child_process";
import { ResultAsync } from "neverthrow";
import type { CommandOutput, CommandRunner, CommandStartError } from "../core/command-runner.ts";

/**
 * Runs `command` with `args` (no shell) and collects its output. A non-zero
 * exit code is reported in the output; only a command that cannot start is
 * an error.
 *
 * @example
 * ```ts ignore
 * import { runCommand } from "flannel-ts/node";
 * // Runs a program: type-checked, not run.
 * const out = await runCommand("ip", ["-o", "link", "show"]);
 * if (out.isErr()) console.error(out.error.message);
 * else if (out.value.code === 0) console.log(out.value.stdout);
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
