// etcd's load over a stretch of time, from two readings of every member's
// /metrics.
import { type Sample, sumMetric } from "./prometheus-text.ts";

/** Rates and levels over a stretch, summed over the members (db size: the largest). */
export interface EtcdLoad {
  /** Unary requests handled per second (Range, Txn, LeaseGrant, ...). */
  readonly requestsPerSecond: number;
  /** The same by method, per second, largest first; methods under 0.05/s left out. */
  readonly byMethod: readonly (readonly [string, number])[];
  /** Messages sent on watch streams per second (each carries one watcher's events). */
  readonly watchMessagesPerSecond: number;
  /** Bytes received from and sent to clients, KiB per second. */
  readonly receivedKiBps: number;
  readonly sentKiBps: number;
  /** Bytes sent between members (raft), KiB per second. */
  readonly peerSentKiBps: number;
  /** CPU, percent of one core. */
  readonly cpuPercent: number;
  /** Resident memory at the end, MiB. */
  readonly rssMiB: number;
  /** Watch streams, watchers and slow watchers at the end. */
  readonly watchStreams: number;
  readonly watchers: number;
  readonly slowWatchers: number;
  /** The backend database's size at the end, MiB (the largest member's). */
  readonly dbMiB: number;
  /** Leader changes the members saw during the stretch. */
  readonly leaderChanges: number;
}

const counter = (before: readonly Sample[], after: readonly Sample[], name: string, match: Readonly<Record<string, string>> = {}): number =>
  Math.max(0, sumMetric(after, name, match) - sumMetric(before, name, match));

/**
 * The load between two readings of each member's metrics. A member missing
 * from either reading (stopped) is left out.
 *
 * @param before per member, the samples at the start (undefined: no answer)
 * @param after per member, the samples at the end, in the same member order
 * @param seconds the time between the readings
 * @returns rates and levels
 * @example
 * ```ts
 * import { etcdLoad } from "./etcd-load.ts";
 * import { parsePrometheusText } from "./prometheus-text.ts";
 * const at = (n: number) => parsePrometheusText(`grpc_server_handled_total{grpc_method="Txn",grpc_type="unary"} ${n}`);
 * etcdLoad([at(10)], [at(30)], 10).requestsPerSecond; // 2
 * ```
 */
export function etcdLoad(before: readonly (readonly Sample[] | undefined)[], after: readonly (readonly Sample[] | undefined)[], seconds: number): EtcdLoad {
  const pairs = before.flatMap((b, i) => {
    const a = after[i];
    return b === undefined || a === undefined ? [] : [[b, a] as const];
  });
  const rate = (name: string, match: Readonly<Record<string, string>> = {}): number => pairs.reduce((sum, [b, a]) => sum + counter(b, a, name, match), 0) / seconds;
  const level = (name: string): number => pairs.reduce((sum, [, a]) => sum + sumMetric(a, name), 0);
  const methods = new Set<string>();
  for (const [, a] of pairs) for (const s of a) if (s.name === "grpc_server_handled_total" && s.labels.grpc_type === "unary") methods.add(s.labels.grpc_method ?? "?");
  const byMethod = [...methods]
    .map((m) => [m, rate("grpc_server_handled_total", { grpc_type: "unary", grpc_method: m })] as const)
    .filter(([, r]) => r >= 0.05)
    .sort((x, y) => y[1] - x[1]);
  return {
    requestsPerSecond: rate("grpc_server_handled_total", { grpc_type: "unary" }),
    byMethod,
    watchMessagesPerSecond: rate("grpc_server_msg_sent_total", { grpc_method: "Watch" }),
    receivedKiBps: rate("etcd_network_client_grpc_received_bytes_total") / 1024,
    sentKiBps: rate("etcd_network_client_grpc_sent_bytes_total") / 1024,
    peerSentKiBps: rate("etcd_network_peer_sent_bytes_total") / 1024,
    cpuPercent: rate("process_cpu_seconds_total") * 100,
    rssMiB: level("process_resident_memory_bytes") / 2 ** 20,
    watchStreams: level("etcd_debugging_mvcc_watch_stream_total"),
    watchers: level("etcd_debugging_mvcc_watcher_total"),
    slowWatchers: level("etcd_debugging_mvcc_slow_watcher_total"),
    dbMiB: Math.max(0, ...pairs.map(([, a]) => sumMetric(a, "etcd_mvcc_db_total_size_in_bytes"))) / 2 ** 20,
    leaderChanges: pairs.reduce((sum, [b, a]) => sum + counter(b, a, "etcd_server_leader_changes_seen_total"), 0),
  };
}
