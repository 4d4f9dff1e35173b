/**
 * A userspace `ping -c N`: sends ICMP echo requests through a function the
 * caller gives (e.g. into a host's TUN side of the overlay), takes the
 * packets that come back through {@link Pinger.deliver}, and prints what
 * ping prints. Time is injected: a {@link Clock} for the interval and the
 * timeout, a microsecond counter for round-trip times.
 *
 * @module
 */
import { type Clock, sleep } from "../core/clock.ts";
import { formatIp, ip4 } from "../subnet/ip.ts";
import { buildEchoRequest, readIcmp } from "./icmp-echo.ts";
import { formatEchoReply, formatIcmpError, formatPingHeader, formatPingStatistics } from "./ping-format.ts";

/** Options for {@link Pinger}. */
export interface PingerOptions {
  /** The pinging endpoint's address (uint32). */
  readonly source: number;
  /** The address to ping (uint32). */
  readonly destination: number;
  /** Echo requests to send, at least 1. */
  readonly count: number;
  /** Milliseconds between two requests. Default 1000, ping's default. */
  readonly intervalMs?: number;
  /** Milliseconds to wait for outstanding replies after the last request. Default 1000. */
  readonly timeoutMs?: number;
  /** ICMP identifier of this run. Default 1. */
  readonly id?: number;
  /** Hands a request packet to the network. */
  readonly send: (packet: Uint8Array) => void;
  /** Receives each line ping would print, without its newline. */
  readonly print: (line: string) => void;
  /** Timers for the interval and the timeout. */
  readonly clock: Clock;
  /** A monotonic time in microseconds, for round-trip times (e.g. `performance.now() * 1000`). */
  readonly micros: () => number;
}

/** What one ping run saw. */
export interface PingResult {
  readonly transmitted: number;
  readonly received: number;
  /** ICMP errors received instead of replies. */
  readonly errors: number;
  /** Each reply in arrival order: its sequence number, TTL and round-trip time in microseconds. */
  readonly replies: readonly { readonly seq: number; readonly ttl: number; readonly rttMicros: number }[];
  /** Microseconds from the first request to the end of the run. */
  readonly elapsedMicros: number;
}

/**
 * One `ping -c count -i interval destination` run. Create it, route the
 * packets addressed to `source` into {@link Pinger.deliver}, then await
 * {@link Pinger.run}.
 *
 * @example
 * ```ts
 * import { Pinger } from "./pinger.ts";
 * import { echoReplyFor } from "./icmp-echo.ts";
 * import { systemClock } from "../core/clock.ts";
 * const lines: string[] = [];
 * // A loop-back network: every request is answered at once.
 * const pinger: Pinger = new Pinger({
 *   source: 0xac140102,
 *   destination: 0xac143e02,
 *   count: 2,
 *   intervalMs: 10,
 *   send: (packet) => pinger.deliver(echoReplyFor(packet)!),
 *   print: (line) => lines.push(line),
 *   clock: systemClock,
 *   micros: () => performance.now() * 1000,
 * });
 * const result = await pinger.run();
 * result.received; // 2
 * ```
 */
export class Pinger {
  readonly #options: PingerOptions;
  readonly #sentAt = new Map<number, number>();
  readonly #replies: { seq: number; ttl: number; rttMicros: number }[] = [];
  readonly #answered = new Set<number>();
  #errors = 0;
  #transmitted = 0;
  #allAnswered: (() => void) | undefined;

  /** @param options see {@link PingerOptions} */
  constructor(options: PingerOptions) {
    if (!Number.isInteger(options.count) || options.count < 1) throw new RangeError(`Pinger: count ${options.count} is not an integer >= 1`);
    this.#options = options;
  }

  /**
   * Takes a packet addressed to the pinging endpoint. Echo replies and ICMP
   * errors about this run's requests are counted and printed; anything
   * else is left alone.
   *
   * @param packet an IPv4 packet
   * @returns true when the packet belonged to this run
   */
  deliver(packet: Uint8Array): boolean {
    const o = this.#options;
    const message = readIcmp(packet);
    if (message === undefined || message.kind === "echo-request" || message.id !== (o.id ?? 1)) return false;
    const sentAt = this.#sentAt.get(message.seq);
    if (sentAt === undefined || this.#answered.has(message.seq)) return false;
    this.#answered.add(message.seq);
    if (message.kind === "echo-reply") {
      const rttMicros = Math.max(0, Math.round(o.micros() - sentAt));
      this.#replies.push({ seq: message.seq, ttl: message.ttl, rttMicros });
      o.print(formatEchoReply({ bytes: message.icmpBytes, from: message.from, seq: message.seq, ttl: message.ttl, rttMicros }));
    } else {
      this.#errors++;
      o.print(formatIcmpError({ from: message.from, seq: message.seq, type: message.type, code: message.code }));
    }
    if (this.#answered.size === o.count) this.#allAnswered?.();
    return true;
  }

  /**
   * Sends the requests one interval apart, waits for what is outstanding
   * (at most the timeout after the last request), and prints the statistics.
   *
   * @returns the counts and times
   */
  async run(): Promise<PingResult> {
    const o = this.#options;
    const destination = formatIp(ip4(o.destination));
    o.print(formatPingHeader({ destination, address: destination }));
    const allAnswered = new Promise<void>((resolve) => (this.#allAnswered = resolve));
    const start = o.micros();
    for (let seq = 1; seq <= o.count; seq++) {
      if (seq > 1) await sleep(o.clock, o.intervalMs ?? 1000);
      this.#sentAt.set(seq, o.micros());
      this.#transmitted++;
      o.send(buildEchoRequest({ source: o.source, destination: o.destination, id: o.id ?? 1, seq }));
    }
    const timeout = new AbortController();
    await Promise.race([allAnswered, sleep(o.clock, o.timeoutMs ?? 1000, timeout.signal)]);
    timeout.abort();
    const elapsedMicros = Math.max(0, o.micros() - start);
    const result: PingResult = {
      transmitted: this.#transmitted,
      received: this.#replies.length,
      errors: this.#errors,
      replies: [...this.#replies],
      elapsedMicros,
    };
    o.print("");
    for (const line of formatPingStatistics({ destination, ...result, rttMicros: result.replies.map((r) => r.rttMicros) })) o.print(line);
    return result;
  }
}
