// An etcd cluster of local processes on 127.0.0.1, run from the binaries of
// the test kit's etcd image (copied out once per image). Local processes
// rather than containers: N hosts' connections go straight to etcd, not
// through docker-proxy (one more process copying every byte on a 2-core
// machine), a fault is a signal to a known pid, and etcd's CPU and memory are
// read from /proc. Every run keeps its data under a directory of its own;
// runs whose owner died (kill -9) are cleaned up by the next one.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ensureEtcdImage } from "../../src/testing/ensure-etcd-image.ts";

const run = promisify(execFile);

/** Every run's directory starts with this; the container that copies binaries out is named with it too. */
export const RUN_PREFIX = "flannel-ts-scale";

/** One member. */
export interface LocalEtcdMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  /** The running process's pid, or undefined while it is stopped. */
  readonly pid: number | undefined;
}

/** A running cluster of local etcd processes. */
export interface LocalEtcdCluster {
  readonly members: readonly LocalEtcdMember[];
  /** Every member's client URL. */
  readonly endpoints: readonly string[];
  /** `etcd --version`'s first line, e.g. "etcd Version: 3.4.23". */
  readonly version: string;
  /** The run's directory (data and logs). */
  readonly dir: string;
  /** The member that reports itself leader (etcd_server_is_leader), waiting up to `timeoutMs`. */
  leader(timeoutMs?: number): Promise<LocalEtcdMember>;
  /** Sends SIGKILL to a member and waits for it to exit. */
  kill(member: LocalEtcdMember): Promise<void>;
  /** Stops every running member with SIGTERM (SIGKILL after 10 s). */
  stopAll(): Promise<void>;
  /** Starts the given stopped members (default all stopped) on their old data and waits until each answers /health. */
  start(members?: readonly LocalEtcdMember[], timeoutMs?: number): Promise<void>;
  /** Kills every member and removes the run's directory (unless kept). Idempotent. */
  destroy(): Promise<void>;
  /** The same, synchronously, for an exiting process. */
  destroySync(): void;
}

/** Options for {@link startLocalEtcdCluster}. */
export interface LocalEtcdClusterOptions {
  readonly size: number;
  /** Image whose /usr/local/bin/etcd to run. Default: the test kit's local image. */
  readonly image?: string;
  /** Keep the run's directory after destroy. */
  readonly keep?: boolean;
  /** Progress lines. */
  readonly log: (line: string) => void;
}

class Member implements LocalEtcdMember {
  child: ChildProcess | undefined;
  exited: Promise<void> = Promise.resolve();
  constructor(
    readonly name: string,
    readonly clientUrl: string,
    readonly peerUrl: string,
    readonly args: readonly string[],
    readonly logFile: string,
  ) {}
  get pid(): number | undefined {
    return this.child?.pid;
  }
}

/**
 * Copies etcd out of an image once (cached under the temp dir by image id).
 *
 * @param image the image; default the test kit's local etcd image
 * @returns the path of the etcd binary
 */
export async function etcdBinary(image: string | undefined, log: (line: string) => void): Promise<string> {
  const name = image ?? (await ensureEtcdImage({ log }));
  const id = (await run("docker", ["image", "inspect", "--format", "{{.Id}}", name])).stdout.trim().replace(/^sha256:/, "").slice(0, 12);
  const dir = join(tmpdir(), `${RUN_PREFIX}-bin-${id}`);
  const binary = join(dir, "etcd");
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const container = `${RUN_PREFIX}-extract-${process.pid}`;
  log(`copying etcd out of ${name} into ${dir}`);
  await run("docker", ["create", "--name", container, name, "/usr/local/bin/etcd"]);
  try {
    await run("docker", ["cp", `${container}:/usr/local/bin/etcd`, `${binary}.part`]);
    await run("mv", [`${binary}.part`, binary]);
  } finally {
    await run("docker", ["rm", "-f", container]).catch(() => undefined);
  }
  return binary;
}

/**
 * Removes what runs left behind when their process was killed: for every run
 * directory whose owner pid is gone, kills the etcd processes started from it
 * (matched by pid and by the directory in their command line) and deletes it.
 *
 * @returns how many directories were cleaned
 */
export function reapStaleRuns(log: (line: string) => void): number {
  let reaped = 0;
  for (const entry of readdirSync(tmpdir())) {
    if (!entry.startsWith(`${RUN_PREFIX}-run-`)) continue;
    const dir = join(tmpdir(), entry);
    const owner = Number(readText(join(dir, "owner.pid")));
    if (Number.isInteger(owner) && owner > 0 && alive(owner)) continue;
    for (const file of safeList(dir).filter((f) => f.endsWith(".pid") && f !== "owner.pid")) {
      const pid = Number(readText(join(dir, file)));
      if (Number.isInteger(pid) && pid > 0 && readText(`/proc/${pid}/cmdline`).includes(dir)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
    log(`removed the leftovers of an earlier run: ${dir}`);
    reaped++;
  }
  return reaped;
}

/**
 * Starts `size` etcd members on 127.0.0.1 and waits until each answers /health.
 *
 * @param options size, image, keep, log
 * @returns the cluster; call destroy() in every exit path
 */
export async function startLocalEtcdCluster(options: LocalEtcdClusterOptions): Promise<LocalEtcdCluster> {
  reapStaleRuns(options.log);
  const binary = await etcdBinary(options.image, options.log);
  const version = (await run(binary, ["--version"])).stdout.split("\n")[0] ?? "etcd (unknown version)";
  const dir = join(tmpdir(), `${RUN_PREFIX}-run-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "owner.pid"), String(process.pid));
  const ports = await freePorts(options.size * 2);
  const names = Array.from({ length: options.size }, (_, i) => `${RUN_PREFIX}-m${i}`);
  const peer = (i: number): string => `http://127.0.0.1:${ports[2 * i + 1]}`;
  const initialCluster = names.map((n, i) => `${n}=${peer(i)}`).join(",");
  const members = names.map((name, i) => {
    const client = `http://127.0.0.1:${ports[2 * i]}`;
    const args = [
      `--name=${name}`,
      `--data-dir=${join(dir, name)}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer(i)}`,
      `--initial-advertise-peer-urls=${peer(i)}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-token=${RUN_PREFIX}-${process.pid}`,
      "--initial-cluster-state=new",
      "--logger=zap",
      "--log-outputs=stderr",
    ];
    return new Member(name, client, peer(i), args, join(dir, `${name}.log`));
  });

  const spawnMember = (m: Member): void => {
    const out = openSync(m.logFile, "a");
    // Same process group as this one: a Ctrl-C in the terminal reaches etcd too.
    const child = spawn(binary, m.args, { stdio: ["ignore", out, out] });
    closeSync(out);
    m.child = child;
    if (child.pid !== undefined) writeFileSync(join(dir, `${m.name}.pid`), String(child.pid));
    m.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void m.exited.then(() => {
      if (m.child === child) m.child = undefined;
    });
  };

  const start = async (which: readonly LocalEtcdMember[] = members.filter((m) => m.child === undefined), timeoutMs = 60_000): Promise<void> => {
    const chosen = which.map((w) => members.find((m) => m.name === w.name) as Member);
    for (const m of chosen) if (m.child === undefined) spawnMember(m);
    await Promise.all(chosen.map((m) => waitHealthy(m, timeoutMs)));
  };

  const signalAndWait = async (m: Member, signal: NodeJS.Signals, graceMs: number): Promise<void> => {
    const child = m.child;
    if (child === undefined) return;
    child.kill(signal);
    const timer = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), graceMs).unref());
    if ((await Promise.race([m.exited.then(() => "exited" as const), timer])) === "late") {
      child.kill("SIGKILL");
      await m.exited;
    }
  };

  let destroyed = false;
  const destroySync = (): void => {
    if (destroyed) return;
    destroyed = true;
    for (const m of members) m.child?.kill("SIGKILL");
    if (options.keep !== true) rmSync(dir, { recursive: true, force: true });
  };
  const cluster: LocalEtcdCluster = {
    members,
    endpoints: members.map((m) => m.clientUrl),
    version,
    dir,
    leader: (timeoutMs = 30_000) => findLeader(members, timeoutMs),
    kill: (member) => signalAndWait(members.find((m) => m.name === member.name) as Member, "SIGKILL", 5_000),
    stopAll: async () => void (await Promise.all(members.map((m) => signalAndWait(m, "SIGTERM", 10_000)))),
    start,
    destroy: async () => {
      if (destroyed) return;
      await Promise.all(members.map((m) => signalAndWait(m, "SIGKILL", 5_000)));
      destroySync();
    },
    destroySync,
  };
  try {
    await start(members);
  } catch (e) {
    const tail = members.map((m) => `${m.name}: ${readText(m.logFile).trim().split("\n").slice(-3).join(" | ")}`).join("\n");
    await cluster.destroy();
    throw new Error(`etcd did not start: ${e instanceof Error ? e.message : String(e)}\n${tail}`);
  }
  return cluster;
}

async function waitHealthy(m: Member, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (m.child === undefined) throw new Error(`${m.name} exited (see ${m.logFile})`);
    const body = await fetchText(`${m.clientUrl}/health`, 1_000);
    if (body !== undefined && /"health":\s*"true"/.test(body)) return;
    if (Date.now() > deadline) throw new Error(`${m.name} not healthy after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function findLeader(members: readonly Member[], timeoutMs: number): Promise<LocalEtcdMember> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const m of members) {
      if (m.child === undefined) continue;
      const body = await fetchText(`${m.clientUrl}/metrics`, 2_000);
      if (body !== undefined && /^etcd_server_is_leader 1$/m.test(body)) return m;
    }
    if (Date.now() > deadline) throw new Error(`no etcd leader after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * GETs a URL's body, or undefined when it does not answer in time.
 *
 * @param url the URL
 * @param timeoutMs how long to wait
 * @returns the body text
 */
export async function fetchText(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? await res.text() : undefined;
  } catch {
    return undefined;
  }
}

// Ports below the kernel's ephemeral range (32768 and up), so that none of
// the thousands of client connections holds a member's port when it restarts.
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  for (let tries = 0; ports.length < count && tries < 1_000; tries++) {
    const port = 21_000 + Math.floor(Math.random() * 9_000);
    if (!ports.includes(port) && (await canListen(port))) ports.push(port);
  }
  if (ports.length < count) throw new Error("no free ports between 21000 and 30000");
  return ports;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: unknown }).code === "EPERM";
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
