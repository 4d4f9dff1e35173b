import { describe, expect, it } from "vitest";
import { parsePrometheusText, sumMetric } from "./prometheus-text.ts";

describe("parsePrometheusText", () => {
  it("reads samples with and without labels, skipping comments", () => {
    const text = [
      "# HELP etcd_server_is_leader Whether or not this member is a leader.",
      "# TYPE etcd_server_is_leader gauge",
      "etcd_server_is_leader 1",
      'grpc_server_handled_total{grpc_code="OK",grpc_method="Txn",grpc_service="etcdserverpb.KV",grpc_type="unary"} 42',
      'x{path="a\\"b"} 1.5e3',
      "y +Inf",
      "z 7 1700000000000",
      "",
    ].join("\n");
    expect(parsePrometheusText(text)).toEqual([
      { name: "etcd_server_is_leader", labels: {}, value: 1 },
      { name: "grpc_server_handled_total", labels: { grpc_code: "OK", grpc_method: "Txn", grpc_service: "etcdserverpb.KV", grpc_type: "unary" }, value: 42 },
      { name: "x", labels: { path: 'a"b' }, value: 1500 },
      { name: "y", labels: {}, value: Number.POSITIVE_INFINITY },
      { name: "z", labels: {}, value: 7 },
    ]);
  });
});

describe("sumMetric", () => {
  const samples = parsePrometheusText(
    ['r{m="Txn",t="unary"} 2', 'r{m="Range",t="unary"} 3', 'r{m="Watch",t="bidi_stream"} 7', "s 1"].join("\n"),
  );
  it.each([
    { name: "r", match: {}, want: 12 },
    { name: "r", match: { t: "unary" }, want: 5 },
    { name: "r", match: { t: "unary", m: "Txn" }, want: 2 },
    { name: "r", match: { t: "none" }, want: 0 },
    { name: "absent", match: {}, want: 0 },
  ])("$name $match", ({ name, match, want }) => {
    expect(sumMetric(samples, name, match)).toBe(want);
  });
});
