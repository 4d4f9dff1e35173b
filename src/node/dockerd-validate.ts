/**
 * Asking the installed dockerd itself whether it would start with a
 * daemon.json: `dockerd --validate --config-file <file>` (dockerd 23 and
 * later) on the text about to be written, kept in a private temporary
 * directory that is removed afterwards. Where dockerd has no `--validate`
 * (20.10) or is not installed, the outcome says so and the TypeScript rules
 * of `validateDaemonJson` are all there is.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { quoteExcerpt } from "../text/quote-excerpt.ts";

/** Options of {@link validateWithDockerd}. */
export interface DockerdValidateOptions {
  /** The dockerd program. Default `"dockerd"` (looked up in PATH). */
  readonly dockerd?: string;
  /** Where the private temporary directory is made. Default the system's (`os.tmpdir()`). */
  readonly tmpdir?: string;
  /**
   * How long dockerd may take, in milliseconds, before it is killed. Default
   * 30,000: a check reads the TLS files the file names, and a FIFO among
   * them would block it for good.
   */
  readonly timeoutMs?: number;
}

/** What the installed dockerd said of a daemon.json it accepts, or why it was not asked. */
export type DockerdValidateOutcome =
  /** dockerd read the file and printed "configuration OK". */
  | { readonly kind: "valid"; readonly dockerd: string }
  /** No dockerd to ask (`reason` says why): not installed, or older than 23 (no `--validate`). */
  | { readonly kind: "unavailable"; readonly dockerd: string; readonly reason: string };

/** dockerd refused the file, or could not be asked properly. */
export type DockerdValidateError =
  | {
    /** dockerd read the file and refused it: it would not start with it. */
    readonly kind: "dockerd-refused";
    readonly dockerd: string;
    /** dockerd's own message, its path to the temporary file replaced by "daemon.json". */
    readonly dockerdMessage: string;
    readonly exitCode: number;
    readonly message: string;
  }
  | {
    /** The check itself failed: the temporary file, a timeout, a crash. Nothing is known about the file. */
    readonly kind: "dockerd-validate-failed";
    readonly dockerd: string;
    readonly message: string;
  };

interface Run {
  readonly code: number | "not-found" | "timeout" | "error";
  readonly output: string;
  readonly error?: string;
}

function run(program: string, args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      program,
      [...args],
      { encoding: "utf8", timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 1024 * 1024, env: { ...process.env, LC_ALL: "C" } },
      (error, stdout, stderr) => {
        const output = `${stderr}${stdout}`;
        if (error === null) return resolve({ code: 0, output });
        if (typeof error.code === "number") return resolve({ code: error.code, output });
        if (error.code === "ENOENT") return resolve({ code: "not-found", output, error: error.message });
        if (error.killed === true || error.signal === "SIGKILL") return resolve({ code: "timeout", output, error: error.message });
        resolve({ code: "error", output, error: error.message });
      },
    );
  });
}

/** dockerd's last line of output, the one that says what it thinks. */
const lastLine = (output: string): string =>
  output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .at(-1) ?? "";

/** Why an installed dockerd cannot be asked (undefined when its help lists `--validate`: dockerd 23 and later). */
function unavailableReason(dockerd: string, timeoutMs: number): ResultAsync<string | undefined, DockerdValidateError> {
  return ResultAsync.fromSafePromise(run(dockerd, ["--help"], timeoutMs)).andThen((help) => {
    if (help.code === "not-found") return okAsync(`${dockerd} is not installed`);
    if (help.code === "timeout" || help.code === "error") {
      return errAsync({ kind: "dockerd-validate-failed" as const, dockerd, message: `${dockerd} --help did not answer: ${help.error ?? ""}` });
    }
    return okAsync(help.output.includes("--validate") ? undefined : `${dockerd} has no --validate (it came with dockerd 23)`);
  });
}

/**
 * Asks the installed dockerd whether it would start with a daemon.json:
 * writes the text to `daemon.json` in a new private directory (mode 0700,
 * removed afterwards, whatever happens) and runs `dockerd --validate
 * --config-file` on it. Only the file is checked: dockerd's command-line
 * flags are not passed, so conflicts between flags and the file are
 * `validateDaemonJson`'s to find.
 *
 * @param text the daemon.json text about to be written
 * @param options the program, where to put the file, the time limit
 * @returns `valid` or `unavailable`, or dockerd's refusal with its message
 * @example
 * ```ts ignore
 * import { validateWithDockerd } from "flannel-ts/node";
 * // Runs dockerd --validate: type-checked, not run.
 * const checked = await validateWithDockerd('{"bip": "10.5.52.1/24", "mtu": 1472, "log-level": "loud"}');
 * if (checked.isErr()) console.error(checked.error.message); // ... invalid logging level: loud
 * else if (checked.value.kind === "unavailable") console.error(`not checked by dockerd: ${checked.value.reason}`);
 * ```
 */
export function validateWithDockerd(text: string, options: DockerdValidateOptions = {}): ResultAsync<DockerdValidateOutcome, DockerdValidateError> {
  const dockerd = options.dockerd ?? "dockerd";
  const timeoutMs = options.timeoutMs ?? 30_000;
  const failed = (message: string): DockerdValidateError => ({ kind: "dockerd-validate-failed", dockerd, message });
  return unavailableReason(dockerd, timeoutMs).andThen((reason) => {
    if (reason !== undefined) return okAsync<DockerdValidateOutcome, DockerdValidateError>({ kind: "unavailable", dockerd, reason });
    return ResultAsync.fromPromise(mkdtemp(join(options.tmpdir ?? tmpdir(), "flannel-ts-dockerd-validate-")), (e) => failed(`cannot make a temporary directory: ${String(e)}`))
      .andThen((dir) => {
        const file = join(dir, "daemon.json");
        const checked = ResultAsync.fromPromise(writeFile(file, text, { mode: 0o600, flag: "wx" }), (e) => failed(`cannot write ${file}: ${String(e)}`)).andThen(() =>
          ResultAsync.fromSafePromise(run(dockerd, ["--validate", "--config-file", file], timeoutMs)).andThen(
            (result): ResultAsync<DockerdValidateOutcome, DockerdValidateError> => {
              const said = lastLine(result.output).split(file).join("daemon.json");
              if (result.code === 0) return okAsync({ kind: "valid", dockerd });
              if (typeof result.code === "number") {
                const dockerdMessage = said === "" ? `exit status ${result.code}` : said;
                return errAsync({
                  kind: "dockerd-refused",
                  dockerd,
                  dockerdMessage,
                  exitCode: result.code,
                  message: `${dockerd} would not start with this daemon.json: ${quoteExcerpt(dockerdMessage, { quote: false, max: 400 })}`,
                });
              }
              return errAsync(failed(
                result.code === "timeout"
                  ? `${dockerd} --validate did not finish within ${timeoutMs} ms (does the file name a FIFO or a device as a TLS file?)`
                  : `cannot run ${dockerd}: ${result.error ?? ""}`,
              ));
            },
          )
        );
        // The directory goes whatever happened; a failure to remove it does not hide the answer.
        return ResultAsync.fromSafePromise(
          (async () => {
            const outcome = await checked;
            await rm(dir, { recursive: true, force: true }).catch(() => undefined);
            return outcome;
          })(),
        ).andThen((outcome) => outcome);
      });
  });
}
