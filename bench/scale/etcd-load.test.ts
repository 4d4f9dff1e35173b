import { describe, expect, it } from "vitest";
import { etcdLoad } from "./etcd-load.ts";
import { parsePrometheusText } from "./prometheus-text.ts";

const member = (n: { txn: number; range: number; watch: number; cpu: number; rss: number; streams: number; db: number; leader: number }) =>
  parsePrometheusText(
    [
      `grpc_server_handled_total{grpc_code="OK",grpc_method="Txn",grpc_type="unary"} ${n.txn}`,
      `grpc_server_handled_total{grpc_code="OK",grpc_method="Range",grpc_type="unary"} ${n.range}`,
      `grpc_server_handled_total{grpc_code="OK",grpc_method="Watch",grpc_type="bidi_stream"} 0`,
      `grpc_server_msg_sent_total{grpc_method="Watch",grpc_type="bidi_stream"} ${n.watch}`,
      `etcd_network_client_grpc_received_bytes_total ${n.txn * 1024}`,
      `etcd_network_client_grpc_sent_bytes_total ${n.watch * 2048}`,
      `etcd_network_peer_sent_bytes_total 0`,
      `process_cpu_seconds_total ${n.cpu}`,
      `process_resident_memory_bytes ${n.rss}`,
      `etcd_debugging_mvcc_watch_stream_total ${n.streams}`,
      `etcd_debugging_mvcc_watcher_total ${2 * n.streams}`,
      `etcd_debugging_mvcc_slow_watcher_total 0`,
      `etcd_mvcc_db_total_size_in_bytes ${n.db}`,
      `etcd_server_leader_changes_seen_total ${n.leader}`,
    ].join("\n"),
  );

describe("etcdLoad", () => {
  it("sums rates and levels over the members that answered both times", () => {
    const mib = 2 ** 20;
    const before = [
      member({ txn: 100, range: 0, watch: 1000, cpu: 10, rss: 50 * mib, streams: 5, db: 4 * mib, leader: 1 }),
      member({ txn: 0, range: 0, watch: 0, cpu: 5, rss: 40 * mib, streams: 5, db: 4 * mib, leader: 1 }),
      undefined,
    ];
    const after = [
      member({ txn: 300, range: 10, watch: 21000, cpu: 15, rss: 60 * mib, streams: 6, db: 8 * mib, leader: 1 }),
      member({ txn: 0, range: 10, watch: 20000, cpu: 7, rss: 40 * mib, streams: 4, db: 6 * mib, leader: 2 }),
      member({ txn: 999, range: 999, watch: 999, cpu: 999, rss: 999, streams: 999, db: 999 * mib, leader: 9 }),
    ];
    expect(etcdLoad(before, after, 10)).toEqual({
      requestsPerSecond: 22,
      byMethod: [
        ["Txn", 20],
        ["Range", 2],
      ],
      watchMessagesPerSecond: 4000,
      receivedKiBps: 20,
      sentKiBps: 8000,
      peerSentKiBps: 0,
      cpuPercent: 70,
      rssMiB: 100,
      watchStreams: 10,
      watchers: 20,
      slowWatchers: 0,
      dbMiB: 8,
      leaderChanges: 1,
    });
  });

  it("counts a counter that went down (a restarted member) as no change", () => {
    const before = [member({ txn: 500, range: 0, watch: 0, cpu: 0, rss: 0, streams: 0, db: 0, leader: 0 })];
    const after = [member({ txn: 20, range: 0, watch: 0, cpu: 0, rss: 0, streams: 0, db: 0, leader: 0 })];
    expect(etcdLoad(before, after, 1).requestsPerSecond).toBe(0);
  });
});
