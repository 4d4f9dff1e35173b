import type { CliCommand, CliIo } from "./io.ts";

/** What a command printed and how it exited, for tests. */
export interface CapturedRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs a command with an io that collects stdout and stderr (tests of the
 * commands use it instead of a child process).
 *
 * @param command the command
 * @param argv its arguments
 * @param env the environment it sees (default: empty, so FLANNELD_* of the test run do not leak in)
 */
export async function runCaptured(command: CliCommand, argv: readonly string[], env: CliIo["env"] = {}): Promise<CapturedRun> {
  let out = "";
  let err = "";
  const io: CliIo = { out: (t) => (out += t), err: (t) => (err += t), env };
  const code = await command.run(argv, io);
  return { code, out, err };
}
