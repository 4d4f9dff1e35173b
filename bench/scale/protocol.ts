// Messages between the benchmark's coordinator and its worker processes
// (Node's IPC channel, JSON).
import { formatIp, ip4 } from "../../src/subnet/ip.ts";
import type { HostStatus } from "./step-check.ts";

/** What a worker runs. */
export interface WorkerSetup {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  /** The first host's number and how many hosts this worker runs. */
  readonly first: number;
  readonly count: number;
  readonly ttlSeconds: number;
  readonly renewMarginSeconds: number;
  readonly retrySeconds: number;
  readonly shareConnections: boolean;
  readonly seed: number;
  /** Run the library as built (dist/) or from its TypeScript sources. */
  readonly library: "dist" | "src";
}

/** Coordinator to worker. */
export type ToWorker =
  | { readonly t: "setup"; readonly setup: WorkerSetup }
  /** Start the hosts: all at once, or spread evenly over `rampSeconds` by host number (of `hosts` in all). */
  | { readonly t: "start"; readonly rampSeconds: number; readonly hosts: number }
  | { readonly t: "status"; readonly id: number }
  /** Resource use since the last `usage`. */
  | { readonly t: "usage"; readonly id: number }
  /** Send the probe times seen so far for a change, complete or not. */
  | { readonly t: "flush-probe"; readonly probe: string }
  /** Stop every host (leases stay in etcd), close the clients, exit. */
  | { readonly t: "stop" };

/** One host's acquisition. */
export interface AcquireResult {
  readonly index: number;
  /** Milliseconds from the start message to the lease (client set-up included); NaN when it failed. */
  readonly ms: number;
  readonly attempts: number;
  /** Starts that failed before this one (each a new manager, 5 s apart, as systemd would restart the agent). */
  readonly restarts: number;
  readonly error?: string;
}

/** Counters summed over a worker's hosts. */
export interface HostCounters {
  readonly renewed: number;
  readonly renewFailed: number;
  readonly lost: number;
  readonly reacquired: number;
  readonly reacquireFailed: number;
  readonly watchErrors: number;
}

/** A worker's resource use. */
export interface WorkerUsage {
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** CPU seconds (user + system) since the previous usage report. */
  readonly cpuSeconds: number;
  /** Event loop delay since the previous report, milliseconds. */
  readonly loopP99Ms: number;
  readonly loopMaxMs: number;
}

/** Worker to coordinator. */
export type FromWorker =
  /** The worker's own modules are loaded: it takes its setup. */
  | { readonly t: "loaded" }
  /** The library is loaded, no host started yet: the baseline memory. */
  | { readonly t: "ready"; readonly rssBytes: number; readonly heapUsedBytes: number }
  | { readonly t: "acquired"; readonly results: readonly AcquireResult[] }
  | {
    readonly t: "status";
    readonly id: number;
    readonly hosts: readonly HostStatus[];
    readonly counters: HostCounters;
    readonly errors: Readonly<Record<string, number>>;
    readonly samples: Readonly<Record<string, string>>;
  }
  | { readonly t: "usage"; readonly id: number; readonly usage: WorkerUsage }
  /** Wall-clock times (performance.timeOrigin + now) at which this worker's hosts saw a probe change. */
  | { readonly t: "probe"; readonly probe: string; readonly times: readonly number[] }
  | { readonly t: "stopped" }
  | { readonly t: "fatal"; readonly message: string };

/** The wall clock in milliseconds with sub-millisecond resolution, comparable between processes on one machine. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** Probe leases carry PublicIPs in 198.19.0.0/16 (hosts use 198.18.0.0/16); a probe change is named `<added|removed> <key>`. */
export const PROBE_IP_PREFIX = "198.19.";

/** Host number n has PublicIP 198.18.0.0 + n + 1 (the benchmarking range; only a string in etcd). */
export const hostIp = (index: number): string => formatIp(ip4(0xc6120000 + index + 1));
