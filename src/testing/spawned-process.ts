// The handle of a long-running process started inside a container with
// `DockerHost.spawn` (e.g. the agent), with its output captured.

/** Options for `DockerHost.spawn`. */
export interface SpawnOptions {
  /** Extra environment variables. Default none. */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory inside the container. Default: the image's. */
  readonly workingDir?: string;
  /**
   * Called with every complete output line (stdout and stderr), e.g. to echo
   * an agent's log with a prefix while debugging. Default: none.
   */
  readonly onLine?: (line: string, stream: "stdout" | "stderr") => void;
}

/** A process running inside a container, from `DockerHost.spawn`. */
export interface SpawnedProcess {
  /** The command as given. */
  readonly command: readonly string[];
  /** stdout so far. */
  readonly stdout: string;
  /** stderr so far. */
  readonly stderr: string;
  /** stdout and stderr so far, interleaved as they arrived. */
  readonly output: string;
  /**
   * Settles when the process ends: its exit code, or null when the container
   * went away first.
   */
  readonly exited: Promise<number | null>;
  /**
   * Waits until the output (stdout and stderr) matches `pattern`, and returns
   * the match.
   * @param pattern Text or regular expression to look for in the output so far and to come.
   * @param timeoutMs Default 30 s.
   * @returns The match.
   * @throws Error with the output so far when the time is up or the process ended without a match.
   */
  waitForOutput(pattern: string | RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /**
   * Sends a signal to the process (through `kill` inside the container).
   * @param signal Default "TERM".
   */
  kill(signal?: string): Promise<void>;
}
