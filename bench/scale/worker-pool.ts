// The coordinator's side of the worker processes: fork, ask, wait (always
// with a deadline), stop.
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { AcquireResult, FromWorker, HostCounters, ToWorker, WorkerSetup, WorkerUsage } from "./protocol.ts";
import type { HostStatus } from "./step-check.ts";

const WORKER = fileURLToPath(new URL("./host-worker.ts", import.meta.url));

/** Rejects when `promise` has not settled after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

class Worker {
  readonly child: ChildProcess;
  readonly loaded: Promise<FromWorker>;
  readonly #waiting = new Map<string, (m: FromWorker) => void>();
  #exited = false;
  readonly exited: Promise<void>;

  constructor(onProbe: (probe: string, times: readonly number[]) => void, onFatal: (message: string) => void) {
    // The worker inherits this process's exec arguments (tsx's loader), so it runs from the TypeScript sources.
    const profile = process.env.FLANNEL_TS_SCALE_CPU_PROF;
    this.child = fork(WORKER, [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "json",
      execArgv: [...process.execArgv, ...(profile === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${profile}`])],
    });
    this.exited = new Promise((resolve) =>
      this.child.once("exit", (code, signal) => {
        this.#exited = true;
        for (const resolveWaiter of this.#waiting.values()) resolveWaiter({ t: "fatal", message: `worker exited (${signal ?? code})` });
        this.#waiting.clear();
        resolve();
      })
    );
    this.child.on("message", (m: FromWorker) => {
      switch (m.t) {
        case "probe":
          onProbe(m.probe, m.times);
          return;
        case "fatal":
          onFatal(m.message);
          return;
        default: {
          const key = "id" in m ? `${m.t}:${m.id}` : m.t;
          const waiter = this.#waiting.get(key);
          this.#waiting.delete(key);
          waiter?.(m);
        }
      }
    });
    this.loaded = this.wait("loaded", 60_000);
  }

  send(message: ToWorker): void {
    if (!this.#exited && this.child.connected) this.child.send(message);
  }

  wait(key: string, ms: number): Promise<FromWorker> {
    if (this.#exited) return Promise.reject(new Error("worker has exited"));
    const answer = new Promise<FromWorker>((resolve, reject) => this.#waiting.set(key, (m) => (m.t === "fatal" ? reject(new Error(m.message)) : resolve(m))));
    return within(answer, ms, `worker ${this.child.pid} (${key})`);
  }
}

/** A set of worker processes running hosts `0 .. hosts-1` between them. */
export class WorkerPool {
  readonly workers: readonly Worker[];
  #nextId = 1;

  /**
   * @param count how many workers
   * @param onProbe called with the times at which a worker's hosts saw a probe change
   * @param onFatal called when a worker dies of an error
   */
  constructor(count: number, onProbe: (probe: string, times: readonly number[]) => void, onFatal: (message: string) => void) {
    this.workers = Array.from({ length: count }, () => new Worker(onProbe, onFatal));
  }

  /**
   * Hands each worker its share of the hosts, once it has loaded, and waits
   * until each has loaded the library.
   *
   * @returns each worker's memory before its hosts start (the baseline)
   */
  async setup(hosts: number, common: Omit<WorkerSetup, "first" | "count">): Promise<{ rssBytes: number; heapUsedBytes: number }[]> {
    await Promise.all(this.workers.map((w) => w.loaded));
    const per = Math.floor(hosts / this.workers.length);
    const extra = hosts % this.workers.length;
    let first = 0;
    const ready = this.workers.map((w, i) => {
      const count = per + (i < extra ? 1 : 0);
      const answer = w.wait("ready", 60_000);
      w.send({ t: "setup", setup: { ...common, first, count } });
      first += count;
      return answer;
    });
    return (await Promise.all(ready)).flatMap((m) => (m.t === "ready" ? [{ rssBytes: m.rssBytes, heapUsedBytes: m.heapUsedBytes }] : []));
  }

  /** Starts the hosts (spread over `rampSeconds`) and waits for every acquisition's outcome. */
  async acquire(hosts: number, rampSeconds: number, timeoutMs: number): Promise<AcquireResult[]> {
    const done = this.workers.map((w) => w.wait("acquired", timeoutMs));
    for (const w of this.workers) w.send({ t: "start", rampSeconds, hosts });
    return (await Promise.all(done)).flatMap((m) => (m.t === "acquired" ? m.results : []));
  }

  /** Every host's status and the counters summed over all hosts. */
  async status(timeoutMs = 30_000): Promise<{ hosts: HostStatus[]; counters: HostCounters; errors: Record<string, number>; samples: Record<string, string> }> {
    const id = this.#nextId++;
    const answers = await Promise.all(
      this.workers.map((w) => {
        const answer = w.wait(`status:${id}`, timeoutMs);
        w.send({ t: "status", id });
        return answer;
      }),
    );
    const counters = { renewed: 0, renewFailed: 0, lost: 0, reacquired: 0, reacquireFailed: 0, watchErrors: 0 };
    const hosts: HostStatus[] = [];
    const errors: Record<string, number> = {};
    const samples: Record<string, string> = {};
    for (const m of answers) {
      if (m.t !== "status") continue;
      hosts.push(...m.hosts);
      for (const [k, n] of Object.entries(m.errors)) errors[k] = (errors[k] ?? 0) + n;
      Object.assign(samples, m.samples);
      for (const k of Object.keys(counters) as (keyof HostCounters)[]) counters[k] += m.counters[k];
    }
    return { hosts, counters, errors, samples };
  }

  /** Each worker's resource use since the previous call. */
  async usage(timeoutMs = 30_000): Promise<WorkerUsage[]> {
    const id = this.#nextId++;
    const answers = await Promise.all(
      this.workers.map((w) => {
        const answer = w.wait(`usage:${id}`, timeoutMs);
        w.send({ t: "usage", id });
        return answer;
      }),
    );
    return answers.flatMap((m) => (m.t === "usage" ? [m.usage] : []));
  }

  /** Asks every worker for what it has of a probe change so far. */
  flushProbe(probe: string): void {
    for (const w of this.workers) w.send({ t: "flush-probe", probe });
  }

  /** Stops the hosts (their leases stay in etcd), then the processes; SIGKILL for any that take longer than `timeoutMs`. */
  async stop(timeoutMs = 20_000): Promise<void> {
    for (const w of this.workers) w.send({ t: "stop" });
    const all = Promise.all(this.workers.map((w) => w.exited));
    try {
      await within(all, timeoutMs, "stopping the workers");
    } catch {
      this.killSync();
      await all;
    }
  }

  /** SIGKILLs every worker still running (for an exiting coordinator). */
  killSync(): void {
    for (const w of this.workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
  }
}
