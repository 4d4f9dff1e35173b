import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parsePingOutput } from "./parse-ping-output.ts";
import { formatEchoReply, formatIcmpError, formatPingHeader, formatPingStatistics } from "./ping-format.ts";

describe("parsePingOutput", () => {
  it("reads the kernel ping's output as iputils prints it", () => {
    const output = [
      "PING 172.20.56.2 (172.20.56.2) 56(84) bytes of data.",
      "64 bytes from 172.20.56.2: icmp_seq=1 ttl=60 time=2.06 ms",
      "64 bytes from 172.20.56.2: icmp_seq=2 ttl=60 time=0.549 ms",
      "64 bytes from 172.20.56.2: icmp_seq=3 ttl=60 time=12.4 ms",
      "",
      "--- 172.20.56.2 ping statistics ---",
      "3 packets transmitted, 3 received, 0% packet loss, time 402ms",
      "rtt min/avg/max/mdev = 0.490/1.034/2.063/0.728 ms",
    ];
    expect(parsePingOutput(output)).toEqual({
      transmitted: 3,
      received: 3,
      errors: 0,
      replies: [
        { seq: 1, ttl: 60, rttMicros: 2060 },
        { seq: 2, ttl: 60, rttMicros: 549 },
        { seq: 3, ttl: 60, rttMicros: 12_400 },
      ],
      elapsedMicros: 402_000,
    });
  });

  it("reads losses and errors", () => {
    const output = [
      "PING 172.20.9.2 (172.20.9.2) 56(84) bytes of data.",
      "From 172.20.1.0 icmp_seq=1 Destination Net Unreachable",
      "",
      "--- 172.20.9.2 ping statistics ---",
      "2 packets transmitted, 0 received, +1 errors, 100% packet loss, time 1001ms",
    ];
    expect(parsePingOutput(output)).toEqual({ transmitted: 2, received: 0, errors: 1, replies: [], elapsedMicros: 1_001_000 });
  });

  it("counts the replies when ping was cut short before its statistics", () => {
    expect(parsePingOutput(["64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.1 ms"])).toEqual({
      transmitted: 0,
      received: 1,
      errors: 0,
      replies: [{ seq: 1, ttl: 64, rttMicros: 100 }],
      elapsedMicros: 0,
    });
  });

  it("reads back what the demo's own ping prints", () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ttl: fc.integer({ min: 1, max: 255 }), rttMicros: fc.integer({ min: 0, max: 999 }) }), { maxLength: 20 }),
        fc.nat(5),
        fc.nat(5),
        fc.integer({ min: 0, max: 10_000_000 }),
        (answered, lost, errors, elapsedMs) => {
          const replies = answered.map((r, i) => ({ seq: i + 1, ...r }));
          const transmitted = replies.length + lost + errors;
          const lines = [
            formatPingHeader({ destination: "172.20.9.2", address: "172.20.9.2" }),
            ...replies.map((r) => formatEchoReply({ bytes: 64, from: "172.20.9.2", ...r })),
            ...Array.from({ length: errors }, (_, i) => formatIcmpError({ from: "172.20.1.0", seq: replies.length + i + 1, type: 3, code: 0 })),
            "",
            ...formatPingStatistics({
              destination: "172.20.9.2",
              transmitted,
              received: replies.length,
              errors,
              elapsedMicros: elapsedMs * 1000,
              rttMicros: replies.map((r) => r.rttMicros),
            }),
          ];
          expect(parsePingOutput(lines)).toEqual({ transmitted, received: replies.length, errors, replies, elapsedMicros: transmitted === 0 ? 0 : elapsedMs * 1000 });
        },
      ),
    );
  });
});
