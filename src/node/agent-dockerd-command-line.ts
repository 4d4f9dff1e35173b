/**
 * dockerd's command line as the agent checks daemon.json against it: given
 * as text, else from the systemd unit when systemd runs the host, else read
 * from the running dockerd's /proc/<pid>/cmdline (hosts without systemd,
 * such as Docker-in-Docker, where a packaged docker.service exists but is
 * not what starts dockerd).
 *
 * @module
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { errAsync, okAsync, ResultAsync } from "neverthrow";
import { parseDockerdArgs } from "../dockerconf/dockerd-args.ts";
import type { DockerdVersion } from "../dockerconf/dockerd-flags.ts";
import { splitUnitWords } from "../dockerconf/systemd-unit.ts";
import type { DockerdCommandLine } from "../dockerconf/validate-daemon-json.ts";
import { dockerdCommandLineFromSystemd } from "./systemd-unit-files.ts";

/** Why dockerd's command line could not be read. */
export interface DockerdCommandLineError {
  readonly kind: "dockerd-command-line";
  readonly message: string;
}

/** Options of {@link findDockerdCommandLine}. */
export interface FindDockerdCommandLineOptions {
  /** dockerd's flags as text (`--dockerd-args`), with or without the program. Default: look on the host. */
  readonly args?: string;
  /** Whose flags to know. Default "26". */
  readonly version?: DockerdVersion;
  /** The systemd unit to read. Default "docker.service". */
  readonly unit?: string;
  /** Where /proc is. Default "/proc". */
  readonly proc?: string;
  /** Where systemd's unit directories are rooted. Default "/". */
  readonly root?: string;
  /** Whether systemd runs this host (and so starts dockerd from its unit). Default: /run/systemd/system exists, systemd's own test. */
  readonly systemd?: boolean;
}

const fail = (message: string): DockerdCommandLineError => ({ kind: "dockerd-command-line", message });

function fromWords(words: readonly string[], version: DockerdVersion, source: string): ResultAsync<DockerdCommandLine, DockerdCommandLineError> {
  const [first, ...rest] = words;
  const program = first !== undefined && !first.startsWith("-") ? first : "dockerd";
  const args = parseDockerdArgs(program === first ? rest : words, version);
  return args.isOk() ? okAsync({ program, args: args.value }) : errAsync(fail(`${source}: ${args.error.message}`));
}

/**
 * The running dockerd's command line, from /proc.
 *
 * @param version whose flags to know
 * @param proc where /proc is
 * @returns its command line, or undefined when no dockerd runs
 */
export function runningDockerdCommandLine(version: DockerdVersion = "26", proc = "/proc"): ResultAsync<DockerdCommandLine | undefined, DockerdCommandLineError> {
  const find = async (): Promise<string[] | undefined> => {
    for (const entry of await readdir(proc)) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if ((await readFile(`${proc}/${entry}/comm`, "utf8")).trim() !== "dockerd") continue;
        const words = (await readFile(`${proc}/${entry}/cmdline`, "utf8")).split("\0");
        if (words[words.length - 1] === "") words.pop();
        return words;
      } catch {
        // The process ended while we looked.
      }
    }
    return undefined;
  };
  return ResultAsync.fromPromise(find(), (cause) => fail(`cannot look for dockerd in ${proc}: ${cause instanceof Error ? cause.message : String(cause)}`)).andThen((words) =>
    words === undefined ? okAsync(undefined) : fromWords(words, version, `the running dockerd's command line (${words.join(" ")})`)
  );
}

/**
 * Finds dockerd's command line: `args` when given; else, on a host run by
 * systemd, the unit (its ExecStart with drop-ins) when it exists; else the
 * running dockerd's; else undefined (nothing to check against).
 *
 * @param options the text, the flags' version, the unit; all optional
 * @returns the command line, or undefined when none could be found
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findDockerdCommandLine } from "flannel-ts/node";
 * const found = await findDockerdCommandLine({ args: "-H fd:// --containerd=/run/containerd/containerd.sock" });
 * assert.equal(found.isOk() && found.value?.program, "dockerd");
 * ```
 */
export function findDockerdCommandLine(options: FindDockerdCommandLineOptions = {}): ResultAsync<DockerdCommandLine | undefined, DockerdCommandLineError> {
  const version = options.version ?? "26";
  if (options.args !== undefined) {
    const words = splitUnitWords(options.args);
    if (words.isErr()) return errAsync(fail(`--dockerd-args: ${words.error}`));
    return fromWords(words.value, version, "--dockerd-args");
  }
  if (!(options.systemd ?? existsSync("/run/systemd/system"))) return runningDockerdCommandLine(version, options.proc);
  return dockerdCommandLineFromSystemd(options.unit ?? "docker.service", { version, ...(options.root === undefined ? {} : { root: options.root }) })
    .map((c): DockerdCommandLine | undefined => c)
    .orElse((e) => /not found/.test(e.message) ? runningDockerdCommandLine(version, options.proc) : errAsync(fail(`dockerd's systemd unit: ${e.message}`)));
}
