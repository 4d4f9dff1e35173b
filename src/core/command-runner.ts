/**
 * The port through which the library runs programs (`ip`, `iptables`,
 * `systemctl`, `docker`): the Node adapter implements it with
 * `child_process.execFile`; tests pass a fake.
 *
 * @module
 */
import type { ResultAsync } from "neverthrow";

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

/**
 * Runs a program with arguments, without a shell; a non-zero exit is a
 * value in the output, only a failure to start is an error.
 */
export type CommandRunner = (command: string, args: readonly string[]) => ResultAsync<CommandOutput, CommandStartError>;
