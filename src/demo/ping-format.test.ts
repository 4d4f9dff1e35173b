import { describe, expect, it } from "vitest";
import { formatEchoReply, formatIcmpError, formatPingHeader, formatPingStatistics, formatTripTime } from "./ping-format.ts";

describe("formatPingHeader", () => {
  it.each([
    [{ destination: "172.20.62.2", address: "172.20.62.2" }, "PING 172.20.62.2 (172.20.62.2) 56(84) bytes of data."],
    [{ destination: "node2", address: "172.20.62.2", payloadBytes: 100 }, "PING node2 (172.20.62.2) 100(128) bytes of data."],
  ])("%j", (header, line) => {
    expect(formatPingHeader(header)).toBe(line);
  });
});

describe("formatTripTime", () => {
  it.each([
    [0, "0.000"],
    [7, "0.007"],
    [123, "0.123"],
    [999, "0.999"],
    [1000, "1.00"],
    [1234, "1.23"],
    [1235, "1.24"],
    [9999, "10.00"],
    [10_000, "10.0"],
    [12_345, "12.3"],
    [12_350, "12.4"],
    [99_999, "100.0"],
    [100_000, "100"],
    [123_499, "123"],
    [123_500, "124"],
    [-5, "0.000"],
    [122.6, "0.123"],
  ])("%d us -> %s", (micros, text) => {
    expect(formatTripTime(micros)).toBe(text);
  });
});

describe("formatEchoReply", () => {
  it("prints ping's reply line", () => {
    expect(formatEchoReply({ bytes: 64, from: "172.20.62.2", seq: 1, ttl: 63, rttMicros: 123 })).toBe(
      "64 bytes from 172.20.62.2: icmp_seq=1 ttl=63 time=0.123 ms",
    );
    expect(formatEchoReply({ bytes: 64, from: "10.0.0.1", seq: 12, ttl: 64, rttMicros: 4567 })).toBe(
      "64 bytes from 10.0.0.1: icmp_seq=12 ttl=64 time=4.57 ms",
    );
  });
});

describe("formatIcmpError", () => {
  it.each([
    [3, 0, "From 172.20.1.0 icmp_seq=2 Destination Net Unreachable"],
    [3, 1, "From 172.20.1.0 icmp_seq=2 Destination Host Unreachable"],
    [3, 9, "From 172.20.1.0 icmp_seq=2 Dest Unreachable, Bad Code: 9"],
    [11, 0, "From 172.20.1.0 icmp_seq=2 Time to live exceeded"],
    [5, 0, "From 172.20.1.0 icmp_seq=2 Bad ICMP type: 5"],
  ])("type %d code %d", (type, code, line) => {
    expect(formatIcmpError({ from: "172.20.1.0", seq: 2, type, code })).toBe(line);
  });
});

describe("formatPingStatistics", () => {
  it("summarises every reply received", () => {
    expect(
      formatPingStatistics({
        destination: "172.20.62.2",
        transmitted: 3,
        received: 3,
        elapsedMicros: 2_002_600,
        rttMicros: [91, 107, 123],
      }),
    ).toEqual([
      "--- 172.20.62.2 ping statistics ---",
      "3 packets transmitted, 3 received, 0% packet loss, time 2003ms",
      // avg 107; mean of squares 11619 (integer division); floor(sqrt(11619 - 107^2 = 170)) = 13
      "rtt min/avg/max/mdev = 0.091/0.107/0.123/0.013 ms",
    ]);
  });

  it("reports loss with C's %g and leaves out the rtt line when nothing came back", () => {
    expect(
      formatPingStatistics({ destination: "172.20.9.2", transmitted: 3, received: 0, errors: 3, elapsedMicros: 2_040_000, rttMicros: [] }),
    ).toEqual(["--- 172.20.9.2 ping statistics ---", "3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 2040ms"]);
    expect(
      formatPingStatistics({ destination: "172.20.9.2", transmitted: 3, received: 2, elapsedMicros: 1_500, rttMicros: [1500, 2500] }),
    ).toEqual([
      "--- 172.20.9.2 ping statistics ---",
      "3 packets transmitted, 2 received, 33.3333% packet loss, time 2ms",
      "rtt min/avg/max/mdev = 1.500/2.000/2.500/0.500 ms",
    ]);
  });

  it("prints no loss or time when nothing was sent", () => {
    expect(formatPingStatistics({ destination: "x", transmitted: 0, received: 0, elapsedMicros: 0, rttMicros: [] })).toEqual([
      "--- x ping statistics ---",
      "0 packets transmitted, 0 received",
    ]);
  });
});
