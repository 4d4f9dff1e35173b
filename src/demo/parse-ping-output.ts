/**
 * Reads what iputils' `ping` printed back into a {@link PingResult}, for the
 * demo's runs of the kernel's ping.
 *
 * @module
 */
import type { PingResult } from "./pinger.ts";

const replyLine = /^\d+ bytes from [\d.]+: icmp_seq=(\d+) ttl=(\d+) time=([\d.]+) ms$/;
const countsLine = /^(\d+) packets transmitted, (\d+) received(?:, \+(\d+) errors)?.*?(?:, time (\d+)ms)?$/;

/**
 * Reads what `ping` printed back into a {@link PingResult}: the replies'
 * sequence numbers, TTLs and times, and the counts of the statistics block
 * (what was sent, received, answered with an ICMP error, and how long it took).
 *
 * @param lines ping's output lines
 * @returns the counts and the replies
 * @example
 * ```ts
 * import { parsePingOutput } from "./parse-ping-output.ts";
 * parsePingOutput([
 *   "64 bytes from 172.20.56.2: icmp_seq=1 ttl=60 time=2.06 ms",
 *   "1 packets transmitted, 1 received, 0% packet loss, time 0ms",
 * ]);
 * // { transmitted: 1, received: 1, errors: 0, replies: [{ seq: 1, ttl: 60, rttMicros: 2060 }], elapsedMicros: 0 }
 * ```
 */
export function parsePingOutput(lines: readonly string[]): PingResult {
  const replies = lines.flatMap((line) => {
    const m = replyLine.exec(line);
    return m === null ? [] : [{ seq: Number(m[1]), ttl: Number(m[2]), rttMicros: Math.round(Number(m[3]) * 1000) }];
  });
  const counts = lines.map((line) => countsLine.exec(line)).find((m) => m !== null);
  return {
    transmitted: counts === undefined ? 0 : Number(counts[1]),
    received: counts === undefined ? replies.length : Number(counts[2]),
    errors: counts?.[3] === undefined ? 0 : Number(counts[3]),
    replies,
    elapsedMicros: counts?.[4] === undefined ? 0 : Number(counts[4]) * 1000,
  };
}
