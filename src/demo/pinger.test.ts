import { describe, expect, it } from "vitest";
import { ManualClock } from "../core/clock.ts";
import { buildEchoRequest, echoReplyFor, readIcmp } from "./icmp-echo.ts";
import { Pinger, type PingResult } from "./pinger.ts";

const A = 0xac140102; // 172.20.1.2
const B = 0xac143e02; // 172.20.62.2

interface Network {
  /** What the network does with a request: answer after ms with a packet, or drop it (undefined). */
  answer(request: Uint8Array, seq: number): { afterMs: number; packet: Uint8Array } | undefined;
}

// Runs a pinger on a manual clock whose milliseconds are also its microsecond counter's source.
async function ping(network: Network, count: number, extra: { intervalMs?: number; timeoutMs?: number; id?: number } = {}): Promise<{ lines: string[]; result: PingResult }> {
  const clock = new ManualClock(1_000_000);
  const lines: string[] = [];
  const pinger: Pinger = new Pinger({
    source: A,
    destination: B,
    count,
    ...extra,
    send: (packet) => {
      const seq = (readIcmp(packet) as { seq: number }).seq;
      const answer = network.answer(packet, seq);
      if (answer !== undefined) clock.setTimer(answer.afterMs, () => pinger.deliver(answer.packet));
    },
    print: (line) => lines.push(line),
    clock,
    micros: () => clock.now() * 1000,
  });
  const done = pinger.run();
  for (let i = 0; i < 100 && clock.pendingTimers > 0; i++) await clock.advanceAsync(clock.nextTimerAt()! - clock.now());
  return { lines, result: await done };
}

// A reply as it arrives after `hops` decrements of its TTL.
const replyAfterHops = (request: Uint8Array, hops: number): Uint8Array => echoReplyFor(request, 64 - hops)!;

describe("Pinger", () => {
  it("prints ping's lines for every reply, in order, then the statistics", async () => {
    const rtts = [0.123, 0.091, 0.107];
    const { lines, result } = await ping({ answer: (request, seq) => ({ afterMs: rtts[seq - 1]!, packet: replyAfterHops(request, 1) }) }, 3);
    expect(lines).toEqual([
      "PING 172.20.62.2 (172.20.62.2) 56(84) bytes of data.",
      "64 bytes from 172.20.62.2: icmp_seq=1 ttl=63 time=0.123 ms",
      "64 bytes from 172.20.62.2: icmp_seq=2 ttl=63 time=0.091 ms",
      "64 bytes from 172.20.62.2: icmp_seq=3 ttl=63 time=0.107 ms",
      "",
      "--- 172.20.62.2 ping statistics ---",
      "3 packets transmitted, 3 received, 0% packet loss, time 2000ms",
      "rtt min/avg/max/mdev = 0.091/0.107/0.123/0.013 ms",
    ]);
    expect(result).toEqual({
      transmitted: 3,
      received: 3,
      errors: 0,
      replies: [
        { seq: 1, ttl: 63, rttMicros: 123 },
        { seq: 2, ttl: 63, rttMicros: 91 },
        { seq: 3, ttl: 63, rttMicros: 107 },
      ],
      elapsedMicros: 2_000_107,
    });
  });

  it("counts a lost request and waits the timeout for it, and no longer", async () => {
    const { lines, result } = await ping(
      { answer: (request, seq) => (seq === 2 ? undefined : { afterMs: 2, packet: replyAfterHops(request, 2) }) },
      3,
      { intervalMs: 200, timeoutMs: 500 },
    );
    expect(lines.slice(1, 3)).toEqual([
      "64 bytes from 172.20.62.2: icmp_seq=1 ttl=62 time=2.00 ms",
      "64 bytes from 172.20.62.2: icmp_seq=3 ttl=62 time=2.00 ms",
    ]);
    expect(lines.slice(-2)).toEqual([
      "3 packets transmitted, 2 received, 33.3333% packet loss, time 900ms",
      "rtt min/avg/max/mdev = 2.000/2.000/2.000/0.000 ms",
    ]);
    expect(result.elapsedMicros).toBe(900_000);
  });

  it("prints an ICMP error about its request as ping does, and counts it as an error", async () => {
    const unreachable = (request: Uint8Array): Uint8Array => {
      // From 172.20.1.0, net unreachable, quoting the request's header and first 8 bytes.
      const quoted = request.subarray(0, 28);
      const packet = new Uint8Array(20 + 8 + quoted.length);
      packet.set([0x45, 0, 0, packet.length, 0, 0, 0, 0, 64, 1, 0, 0, 172, 20, 1, 0, 172, 20, 1, 2]);
      packet[20] = 3;
      packet.set(quoted, 28);
      setChecksum(packet, 10, 0, 20);
      setChecksum(packet, 22, 20, packet.length);
      return packet;
    };
    const { lines, result } = await ping({ answer: (request) => ({ afterMs: 0.01, packet: unreachable(request) }) }, 2, { intervalMs: 100 });
    expect(lines).toEqual([
      "PING 172.20.62.2 (172.20.62.2) 56(84) bytes of data.",
      "From 172.20.1.0 icmp_seq=1 Destination Net Unreachable",
      "From 172.20.1.0 icmp_seq=2 Destination Net Unreachable",
      "",
      "--- 172.20.62.2 ping statistics ---",
      "2 packets transmitted, 0 received, +2 errors, 100% packet loss, time 100ms",
    ]);
    expect(result).toMatchObject({ transmitted: 2, received: 0, errors: 2, replies: [] });
  });

  it("leaves alone what is not its own: other ids, requests, duplicates, unknown sequence numbers", async () => {
    const clock = new ManualClock();
    const pinger = new Pinger({ source: A, destination: B, count: 1, id: 5, send: () => undefined, print: () => undefined, clock, micros: () => 0 });
    const done = pinger.run();
    const request = (id: number, seq: number): Uint8Array => buildEchoRequest({ source: A, destination: B, id, seq });
    expect(pinger.deliver(echoReplyFor(request(6, 1))!)).toBe(false);
    expect(pinger.deliver(request(5, 1))).toBe(false);
    expect(pinger.deliver(echoReplyFor(request(5, 2))!)).toBe(false);
    expect(pinger.deliver(echoReplyFor(request(5, 1))!)).toBe(true);
    expect(pinger.deliver(echoReplyFor(request(5, 1))!)).toBe(false);
    expect((await done).received).toBe(1);
  });

  it("refuses a count below 1", () => {
    expect(() => new Pinger({ source: A, destination: B, count: 0, send: () => undefined, print: () => undefined, clock: new ManualClock(), micros: () => 0 })).toThrow(RangeError);
  });
});

function setChecksum(packet: Uint8Array, at: number, start: number, end: number): void {
  let sum = 0;
  for (let i = start; i < end; i += 2) sum += packet[i]! * 256 + (packet[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum % 0x10000) + Math.floor(sum / 0x10000);
  const value = 0xffff - sum;
  packet[at] = value >> 8;
  packet[at + 1] = value & 0xff;
}
