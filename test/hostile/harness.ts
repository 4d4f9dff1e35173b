/**
 * The hostile-input harness: runs the built CLI (`dist/cli/main.js`) as a
 * child process on one bad input and checks what every such run must do:
 * end within a bound, print no stack trace, say what is wrong in lines that
 * start with `flannel-ts` (or JSON objects with --json), exit with the
 * documented code, and change nothing on disk (a hash of its temporary
 * directory before and after). The case tables are in cases-*.ts.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The built CLI. */
export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** What a case may use: its own temporary directory, and whatever the suite set up. */
export interface CaseContext {
  /** An empty directory of the case's own; its contents are hashed before and after. */
  readonly dir: string;
  /** The suite's etcd endpoint (etcd suite only). */
  readonly etcd?: string;
  /** A closed loopback port (nothing listens). */
  readonly closedPort?: number;
  /** A loopback port where a plain TCP server answers with junk. */
  readonly tcpPort?: number;
  /** A loopback port where an HTTP/1.1 server answers 200. */
  readonly httpPort?: number;
}

/**
 * docker-config's arguments on a case's own files (subnet.env and daemon.json
 * in its folder, dockerd 26), with the systemd unit left out ("none") or read
 * below `<dir>/root` ("root"), then `extra`.
 */
export function dockerConfigArgv(ctx: CaseContext, systemd: "none" | "root", ...extra: string[]): string[] {
  const unit = systemd === "none" ? ["--systemd-unit", "none"] : ["--systemd-root", join(ctx.dir, "root"), "--systemd-unit", "docker.service"];
  return ["docker-config", "--subnet-file", join(ctx.dir, "subnet.env"), "--daemon-json", join(ctx.dir, "daemon.json"), ...unit, "--dockerd-version", "26", ...extra];
}

/** One bad input. */
export interface HostileCase {
  /** What is wrong, for the test's name. */
  readonly name: string;
  /** Prepares files in the case's directory (FIFOs, devices, big files); runs before the first hash. */
  readonly setup?: (ctx: CaseContext) => void | Promise<void>;
  /** The arguments after `flannel-ts`. */
  readonly argv: (ctx: CaseContext) => readonly string[];
  /** Environment variables for the run (FLANNELD_*, DOCKER_HOST). */
  readonly env?: (ctx: CaseContext) => Readonly<Record<string, string>>;
  /** The documented exit code. */
  readonly code: number;
  /** What the first error line must say (its text, or the JSON error's message). */
  readonly message: RegExp | ((ctx: CaseContext) => RegExp);
  /** Text that must appear nowhere in the output (a password). */
  readonly mustNotContain?: readonly string[];
  /** The case makes device nodes (mknod): root only. */
  readonly root?: boolean;
  /** The output must hold no control character but newlines (values from hostile sources are escaped). */
  readonly plainOutput?: boolean;
  /** The bound on the run, ms. Default 30 s (a loaded 2-core machine takes seconds to load etcd3). */
  readonly timeoutMs?: number;
}

/** What one run did. */
export interface CaseRun {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
}

/**
 * Runs the built CLI once.
 *
 * @param argv the arguments after `flannel-ts`
 * @param env extra environment
 * @param timeoutMs the bound; the child is killed after it
 * @returns what it did
 */
export function runCli(argv: readonly string[], env: Readonly<Record<string, string>>, timeoutMs: number): Promise<CaseRun> {
  return new Promise((resolve) => {
    const started = Date.now();
    // A clean environment: nothing of the test run's FLANNELD_* or FLANNEL_TS_DEBUG leaks in.
    const child = spawn(process.execPath, [CLI, ...argv], { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (t: string) => (stdout += t.length + stdout.length > 1_000_000 ? "" : t));
    child.stderr.setEncoding("utf8").on("data", (t: string) => (stderr += t.length + stderr.length > 1_000_000 ? "" : t));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
    });
  });
}

/**
 * A fingerprint of a directory tree: names, types, modes, owners, sizes,
 * contents of regular files, targets of links, device numbers. FIFOs and
 * sockets are not opened.
 *
 * @param dir the directory
 * @returns one string that changes when anything in the tree does
 */
export function treeHash(dir: string): string {
  const hash = createHash("sha256");
  const walk = (path: string, rel: string): void => {
    const s = lstatSync(path);
    hash.update(`${rel}\0${s.mode}\0${s.uid}\0${s.gid}\0${s.ino}\0`);
    if (s.isSymbolicLink()) hash.update(`link\0${readlinkSync(path)}\0`);
    else if (s.isFile()) hash.update(`file\0${s.size}\0`).update(readFileSync(path));
    else if (s.isCharacterDevice() || s.isBlockDevice()) hash.update(`dev\0${s.rdev}\0`);
    else if (s.isDirectory()) { for (const name of readdirSync(path).sort()) walk(join(path, name), `${rel}/${name}`); }
    hash.update("\n");
  };
  walk(dir, ".");
  return hash.digest("hex");
}

/** A temporary directory for one case. */
export function caseDir(): string {
  return mkdtempSync(join(tmpdir(), "flannel-ts-hostile-"));
}

/** Removes a case's directory. */
export function removeCaseDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

const STACK_LINE = /^\s+at\s|node:internal|triggerUncaughtException|\bat async\b/m;

/**
 * What is wrong with a run of a case, or an empty list.
 *
 * @param c the case
 * @param run what the run did
 * @param ctx the case's context (for messages that name its files)
 * @returns the problems found
 */
export function problemsOf(c: HostileCase, run: CaseRun, ctx: CaseContext): string[] {
  const problems: string[] = [];
  if (run.timedOut) problems.push(`did not end within ${c.timeoutMs ?? 30_000} ms`);
  if (run.code !== c.code) problems.push(`exit ${String(run.code)}${run.signal === null ? "" : ` (${run.signal})`}, documented ${c.code}`);
  if (STACK_LINE.test(run.stderr) || STACK_LINE.test(run.stdout)) problems.push("a stack trace");
  if (/internal error/.test(run.stderr) && c.code !== 70) problems.push("an internal error");
  const lines = run.stderr.split("\n").filter((l) => l !== "");
  if (c.code !== 0 && lines.length === 0) problems.push("no error on stderr");
  const json = run.stderr.startsWith("{");
  let first = "";
  for (const line of lines) {
    if (json) {
      try {
        const parsed = JSON.parse(line) as { error?: { message?: unknown }; warning?: unknown };
        if (parsed.error === undefined && parsed.warning === undefined) problems.push(`a JSON line that is neither an error nor a warning: ${line.slice(0, 200)}`);
        if (first === "" && typeof parsed.error?.message === "string") first = parsed.error.message;
      } catch {
        problems.push(`a line that is not JSON with --json: ${line.slice(0, 200)}`);
      }
    } else {
      if (!/^(flannel-ts|Usage: flannel-ts|\s|Commands:|Run flannel-ts|Flags:|Exit status:|flannel's)/.test(line)) {
        problems.push(`a line without the flannel-ts prefix: ${line.slice(0, 200)}`);
      }
      if (first === "" && line.startsWith("flannel-ts")) first = line;
    }
    if (line.length > 2_200) problems.push(`a line of ${line.length} characters`);
  }
  const message = typeof c.message === "function" ? c.message(ctx) : c.message;
  if (c.code !== 0 && !message.test(first)) problems.push(`the first error line ${JSON.stringify(first.slice(0, 300))} does not match ${String(message)}`);
  // eslint-disable-next-line no-control-regex
  if (c.plainOutput === true && /[\u0000-\u0009\u000b-\u001f\u007f]/.test(run.stdout + run.stderr)) problems.push("a control character in the output");
  for (const secret of c.mustNotContain ?? []) if (run.stderr.includes(secret) || run.stdout.includes(secret)) problems.push(`printed ${JSON.stringify(secret)}`);
  return problems;
}

/**
 * Runs one case in a directory of its own and returns what is wrong: the
 * run's problems, and a change on disk.
 *
 * @param c the case
 * @param shared what the suite set up (etcd, ports)
 * @returns the problems (empty when the case behaved)
 */
export async function checkCase(c: HostileCase, shared: Omit<CaseContext, "dir">): Promise<string[]> {
  const dir = caseDir();
  try {
    const ctx: CaseContext = { ...shared, dir };
    await c.setup?.(ctx);
    const before = treeHash(dir);
    const run = await runCli(c.argv(ctx), c.env?.(ctx) ?? {}, c.timeoutMs ?? 30_000);
    const problems = problemsOf(c, run, ctx);
    if (treeHash(dir) !== before) problems.push("the files of the case changed");
    return problems.length === 0 ? [] : [...problems, `stderr: ${run.stderr.slice(0, 600)}`];
  } finally {
    removeCaseDir(dir);
  }
}
