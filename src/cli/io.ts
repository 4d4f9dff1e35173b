/**
 * The streams and environment a CLI command works with, passed in so that
 * commands can be run and checked from tests without a child process.
 */
export interface CliIo {
  /** Writes to standard output. */
  readonly out: (text: string) => void;
  /** Writes to standard error. */
  readonly err: (text: string) => void;
  /** The process environment (FLANNELD_* variables are read from here). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** One CLI command: its help and its entry point, which resolves to the exit code. */
export interface CliCommand {
  /** The whole text of `flannel-ts <command> --help`. */
  readonly usage: string;
  /** Runs the command with the arguments after its name (flags parsed and checked first). */
  readonly run: (argv: readonly string[], io: CliIo) => Promise<number>;
}
