// Network namespaces for the UDP engine's integration test and benchmark:
// two namespaces joined by a veth pair on a TEST-NET underlay, commands run
// inside them, and cleanup that also works after a failure.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";

export interface CommandOutput {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command (no shell) and collects its output; never rejects on a non-zero exit. */
export function run(command: string, args: readonly string[], timeoutMs = 60_000): Promise<CommandOutput> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { encoding: "utf8", timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) return resolve({ code: 0, stdout, stderr });
      const code: unknown = error.code;
      if (typeof code === "number") return resolve({ code, stdout, stderr });
      if (error.killed) return resolve({ code: -1, stdout, stderr: `${stderr}\n(killed after ${timeoutMs} ms)` });
      reject(new Error(error.message, { cause: error }));
    });
  });
}

/** Runs a command and fails with its output unless it exits 0. */
export async function must(command: string, args: readonly string[], timeoutMs?: number): Promise<string> {
  const out = await run(command, args, timeoutMs);
  if (out.code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${out.code}: ${out.stderr.trim() || out.stdout.trim()}`);
  return out.stdout;
}

/** A process started with {@link start}: its output so far and ways to wait for it. */
export interface Started {
  readonly child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
  /** Waits until stdout or stderr matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Sends a signal if the process still runs. */
  signal(signal: NodeJS.Signals): void;
  /** Writes to the process's stdin. */
  input(text: string): void;
}

export function start(command: string, args: readonly string[]): Started {
  const child = spawn(command, [...args], { stdio: ["pipe", "pipe", "pipe"] });
  child.stdin.on("error", () => undefined);
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  const poke = (): void => waiters.forEach((w) => w());
  child.stdout.setEncoding("utf8").on("data", (d: string) => ((out += d), poke()));
  child.stderr.setEncoding("utf8").on("data", (d: string) => ((err += d), poke()));
  let running = true;
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => ((running = false), poke(), resolve(code))));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const m = (out + err).match(pattern);
          if (m !== null) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(m);
          } else if (!running) {
            waiters.delete(check);
            clearTimeout(timer);
            reject(new Error(`${command} ended before printing ${pattern}:\n${out}${err}`));
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${command} did not print ${pattern} within ${timeoutMs} ms:\n${out}${err}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      }),
    signal: (signal) => {
      if (running) child.kill(signal);
    },
    input: (text) => {
      child.stdin.write(text);
    },
  };
}

/** Two namespaces joined by a veth pair: `a` has 192.0.2.1/24, `b` 192.0.2.2/24. */
export interface Underlay {
  readonly a: string;
  readonly b: string;
  /** The veth end in `a`. */
  readonly vethA: string;
  /** The veth end in `b` (to add more addresses to it). */
  readonly vethB: string;
  /** Runs a command inside a namespace. */
  run(ns: string, command: string, args: readonly string[], timeoutMs?: number): Promise<CommandOutput>;
  must(ns: string, command: string, args: readonly string[], timeoutMs?: number): Promise<string>;
  start(ns: string, command: string, args: readonly string[]): Started;
  /** Kills what was started and deletes the namespaces (with their devices). Safe to call twice. */
  destroy(): Promise<void>;
}

/** A short random tag for names that must not clash with a parallel run (interface names have 15 characters). */
export function uniqueTag(): string {
  return randomBytes(3).toString("hex");
}

export async function createUnderlay(prefix: string, tag = uniqueTag()): Promise<Underlay> {
  const a = `${prefix}-a-${tag}`;
  const b = `${prefix}-b-${tag}`;
  const vethA = `${prefix}a${tag}`.slice(0, 15);
  const vethB = `${prefix}b${tag}`.slice(0, 15);
  const started: Started[] = [];
  const destroy = async (): Promise<void> => {
    for (const p of started) p.signal("SIGKILL");
    await Promise.all(started.map((p) => p.exited));
    // Whatever else still runs in the namespaces (children of what we
    // started) would outlive them: end it too.
    for (const ns of [a, b]) {
      const pids = await run("ip", ["netns", "pids", ns]);
      for (const pid of pids.stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // Already gone.
        }
      }
    }
    await run("ip", ["netns", "del", a]);
    await run("ip", ["netns", "del", b]);
  };
  try {
    await must("ip", ["netns", "add", a]);
    await must("ip", ["netns", "add", b]);
    await must("ip", ["link", "add", vethA, "netns", a, "type", "veth", "peer", "name", vethB, "netns", b]);
    await must("ip", ["-n", a, "addr", "add", "192.0.2.1/24", "dev", vethA]);
    await must("ip", ["-n", b, "addr", "add", "192.0.2.2/24", "dev", vethB]);
    for (const [ns, dev] of [[a, vethA], [b, vethB]] as const) {
      await must("ip", ["-n", ns, "link", "set", dev, "up"]);
      await must("ip", ["-n", ns, "link", "set", "lo", "up"]);
    }
  } catch (e) {
    await destroy();
    throw e;
  }
  return {
    a,
    b,
    vethA,
    vethB,
    run: (ns, command, args, timeoutMs) => run("ip", ["netns", "exec", ns, command, ...args], timeoutMs),
    must: (ns, command, args, timeoutMs) => must("ip", ["netns", "exec", ns, command, ...args], timeoutMs),
    start: (ns, command, args) => {
      const p = start("ip", ["netns", "exec", ns, command, ...args]);
      started.push(p);
      return p;
    },
    destroy,
  };
}
