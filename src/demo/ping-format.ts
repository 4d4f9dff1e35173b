/**
 * The lines iputils' `ping` prints, as pure functions: the header, one line
 * per echo reply or ICMP error, and the statistics block. Times are whole
 * microseconds, rounded and printed the way ping rounds and prints them, so
 * that the demo's output reads exactly like a real ping.
 *
 * @module
 */

/** What the header line names. */
export interface PingHeader {
  /** The destination as given (ping resolves names; the demo passes addresses). */
  readonly destination: string;
  /** The destination's address. */
  readonly address: string;
  /** ICMP payload bytes per request. Default 56, ping's default. */
  readonly payloadBytes?: number;
}

/**
 * The first line ping prints.
 *
 * @param header the destination and the payload size
 * @returns the line, without its newline
 * @example
 * ```ts
 * import { formatPingHeader } from "./ping-format.ts";
 * formatPingHeader({ destination: "172.20.62.2", address: "172.20.62.2" });
 * // "PING 172.20.62.2 (172.20.62.2) 56(84) bytes of data."
 * ```
 */
export function formatPingHeader(header: PingHeader): string {
  const payload = header.payloadBytes ?? 56;
  return `PING ${header.destination} (${header.address}) ${payload}(${payload + 28}) bytes of data.`;
}

/** One echo reply as ping reports it. */
export interface EchoReplyLine {
  /** ICMP bytes received (header and payload: 64 for ping's default 56). */
  readonly bytes: number;
  /** The reply's source address. */
  readonly from: string;
  /** The ICMP sequence number. */
  readonly seq: number;
  /** The TTL in the reply's IPv4 header. */
  readonly ttl: number;
  /** Round-trip time in microseconds. */
  readonly rttMicros: number;
}

/**
 * The line ping prints for an echo reply.
 *
 * @param reply what was received and when
 * @returns the line, without its newline
 * @example
 * ```ts
 * import { formatEchoReply } from "./ping-format.ts";
 * formatEchoReply({ bytes: 64, from: "172.20.62.2", seq: 1, ttl: 63, rttMicros: 123 });
 * // "64 bytes from 172.20.62.2: icmp_seq=1 ttl=63 time=0.123 ms"
 * ```
 */
export function formatEchoReply(reply: EchoReplyLine): string {
  return `${reply.bytes} bytes from ${reply.from}: icmp_seq=${reply.seq} ttl=${reply.ttl} time=${formatTripTime(reply.rttMicros)} ms`;
}

/**
 * A round-trip time as ping prints it after `time=`: three decimals below
 * 1 ms, two below 10 ms, one below 100 ms, none above (rounded to the digits
 * shown, except below 1 ms, where every digit is exact).
 *
 * @param micros whole microseconds, at least 0
 * @returns the digits, without the unit
 * @example
 * ```ts
 * import { formatTripTime } from "./ping-format.ts";
 * formatTripTime(123); // "0.123"
 * formatTripTime(12_345); // "12.3"
 * ```
 */
export function formatTripTime(micros: number): string {
  const t = Math.max(0, Math.round(micros));
  if (t >= 100_000) return String(Math.floor((t + 500) / 1000));
  if (t >= 10_000) {
    const r = t + 50;
    return `${Math.floor(r / 1000)}.${Math.floor((r % 1000) / 100)}`;
  }
  if (t >= 1000) {
    const r = t + 5;
    return `${Math.floor(r / 1000)}.${String(Math.floor((r % 1000) / 10)).padStart(2, "0")}`;
  }
  return `0.${String(t).padStart(3, "0")}`;
}

/** An ICMP error that ping reports instead of a reply (the engine answers "no route" with one). */
export interface IcmpErrorLine {
  /** The address that sent the ICMP error. */
  readonly from: string;
  /** The sequence number of the request it refers to. */
  readonly seq: number;
  /** ICMP type. */
  readonly type: number;
  /** ICMP code. */
  readonly code: number;
}

const unreachable: Readonly<Record<number, string>> = {
  0: "Destination Net Unreachable",
  1: "Destination Host Unreachable",
  2: "Destination Protocol Unreachable",
  3: "Destination Port Unreachable",
  4: "Frag needed and DF set",
  13: "Packet filtered",
};

/**
 * The line ping prints for an ICMP error about one of its requests.
 *
 * @param error who answered, for which request, with which type and code
 * @returns the line, without its newline
 * @example
 * ```ts
 * import { formatIcmpError } from "./ping-format.ts";
 * formatIcmpError({ from: "172.20.1.0", seq: 1, type: 3, code: 0 });
 * // "From 172.20.1.0 icmp_seq=1 Destination Net Unreachable"
 * ```
 */
export function formatIcmpError(error: IcmpErrorLine): string {
  let text: string;
  if (error.type === 3) text = unreachable[error.code] ?? `Dest Unreachable, Bad Code: ${error.code}`;
  else if (error.type === 11) text = error.code === 0 ? "Time to live exceeded" : "Frag reassembly time exceeded";
  else text = `Bad ICMP type: ${error.type}`;
  return `From ${error.from} icmp_seq=${error.seq} ${text}`;
}

/** The counts and times the statistics block summarises. */
export interface PingStatistics {
  /** The destination as given. */
  readonly destination: string;
  /** Requests sent. */
  readonly transmitted: number;
  /** Replies received. */
  readonly received: number;
  /** ICMP errors received instead of replies. Default 0. */
  readonly errors?: number;
  /** Microseconds from the first request to the end of the run. */
  readonly elapsedMicros: number;
  /** The round-trip time of every reply, in microseconds. */
  readonly rttMicros: readonly number[];
}

/**
 * The block ping prints when it finishes (after a blank line): a title, the
 * counts with the loss and the elapsed time, and (when any reply came back)
 * the minimum, average, maximum and mean deviation of the round-trip times.
 * ping computes these on whole microseconds, with integer division; so does
 * this.
 *
 * @param stats what was sent, received and measured
 * @returns the lines, without newlines
 * @example
 * ```ts
 * import { formatPingStatistics } from "./ping-format.ts";
 * formatPingStatistics({
 *   destination: "172.20.62.2",
 *   transmitted: 2,
 *   received: 2,
 *   elapsedMicros: 1_001_000,
 *   rttMicros: [100, 300],
 * });
 * // [
 * //   "--- 172.20.62.2 ping statistics ---",
 * //   "2 packets transmitted, 2 received, 0% packet loss, time 1001ms",
 * //   "rtt min/avg/max/mdev = 0.100/0.200/0.300/0.100 ms",
 * // ]
 * ```
 */
export function formatPingStatistics(stats: PingStatistics): string[] {
  const errors = stats.errors ?? 0;
  let counts = `${stats.transmitted} packets transmitted, ${stats.received} received`;
  if (errors > 0) counts += `, +${errors} errors`;
  if (stats.transmitted > 0) {
    const loss = ((stats.transmitted - stats.received) * 100) / stats.transmitted;
    counts += `, ${formatPercent(loss)}% packet loss, time ${Math.floor((Math.round(stats.elapsedMicros) + 500) / 1000)}ms`;
  }
  const lines = [`--- ${stats.destination} ping statistics ---`, counts];
  const rtts = stats.rttMicros.map((t) => Math.max(0, Math.round(t)));
  if (stats.received > 0 && rtts.length > 0) {
    const sum = rtts.reduce((a, b) => a + b, 0);
    const sum2 = rtts.reduce((a, b) => a + b * b, 0);
    const avg = Math.floor(sum / rtts.length);
    const mean2 = Math.floor(sum2 / rtts.length);
    const mdev = Math.floor(Math.sqrt(Math.max(0, mean2 - avg * avg)));
    const parts = [Math.min(...rtts), avg, Math.max(...rtts), mdev].map(formatMillis);
    lines.push(`rtt min/avg/max/mdev = ${parts.join("/")} ms`);
  }
  return lines;
}

// C's `%ld.%03ld` of a microsecond count.
function formatMillis(micros: number): string {
  return `${Math.floor(micros / 1000)}.${String(micros % 1000).padStart(3, "0")}`;
}

// C's `%g`: six significant digits, trailing zeros dropped.
function formatPercent(value: number): string {
  return String(Number(value.toPrecision(6)));
}
