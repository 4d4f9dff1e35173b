/**
 * The engine's counters. Each forwarding thread owns one block of slots in
 * a Float64Array (on a SharedArrayBuffer when the threads are workers) and
 * is its only writer; readers sum the blocks. Float64 counts exactly up to
 * 2^53, far beyond any packet or byte count.
 */

/** Why a packet read from the TUN was not sent to a peer. */
export type OutboundDropReason = "not-ipv4" | "malformed" | "no-route" | "ttl-expired" | "send-failed";
/** Why a datagram that arrived on the UDP port was not written to the TUN. */
export type InboundDropReason =
  | "unknown-source"
  | "truncated"
  | "bad-version"
  | "bad-header-length"
  | "bad-total-length"
  | "bad-checksum"
  | "local-source"
  | "ttl-expired"
  | "tun-write-failed";

/** Every outbound drop reason, in counter order. */
export const OUTBOUND_DROP_REASONS: readonly OutboundDropReason[] = ["not-ipv4", "malformed", "no-route", "ttl-expired", "send-failed"];
/** Every inbound drop reason, in counter order. */
export const INBOUND_DROP_REASONS: readonly InboundDropReason[] = [
  "unknown-source",
  "truncated",
  "bad-version",
  "bad-header-length",
  "bad-total-length",
  "bad-checksum",
  "local-source",
  "ttl-expired",
  "tun-write-failed",
];

/** Slot numbers in a counter block. */
export const SLOT = {
  outReceived: 0,
  outPackets: 1,
  outBytes: 2,
  outIcmpUnreachable: 3,
  outSuperPackets: 4,
  outDrops: 5,
  inReceived: 5 + OUTBOUND_DROP_REASONS.length,
  inPackets: 6 + OUTBOUND_DROP_REASONS.length,
  inBytes: 7 + OUTBOUND_DROP_REASONS.length,
  inCoalesced: 8 + OUTBOUND_DROP_REASONS.length,
  inDrops: 9 + OUTBOUND_DROP_REASONS.length,
} as const;

/** Slot of each outbound drop reason. */
export const OUT_DROP: Readonly<Record<OutboundDropReason, number>> = Object.freeze(
  Object.fromEntries(OUTBOUND_DROP_REASONS.map((r, i) => [r, SLOT.outDrops + i])) as Record<OutboundDropReason, number>,
);
/** Slot of each inbound drop reason. */
export const IN_DROP: Readonly<Record<InboundDropReason, number>> = Object.freeze(
  Object.fromEntries(INBOUND_DROP_REASONS.map((r, i) => [r, SLOT.inDrops + i])) as Record<InboundDropReason, number>,
);

/** Number of Float64 slots in one counter block. */
export const COUNTER_SLOTS = 32;

/** One direction's counters. Every packet received is either sent (`packets`) or dropped for one reason. */
export interface DirectionCounters<R extends string> {
  /** Packets taken in: read from the TUN (counted as wire packets) or received on the UDP port. */
  readonly received: number;
  /** Packets passed on: sent to a peer, or written to the TUN. */
  readonly packets: number;
  /** Bytes of those packets (IPv4 packets, without UDP/IP encapsulation). */
  readonly bytes: number;
  /** Packets dropped, by reason. */
  readonly drops: Readonly<Record<R, number>>;
}

/** A snapshot of the engine's counters. */
export interface UdpCounters {
  /** TUN to peers. */
  readonly outbound: DirectionCounters<OutboundDropReason> & {
    /** ICMP net unreachable messages written back into the TUN. */
    readonly icmpUnreachable: number;
    /** TCP super-packets (TSO) read from the TUN and cut into wire packets. */
    readonly superPackets: number;
  };
  /** Peers to TUN. */
  readonly inbound: DirectionCounters<InboundDropReason> & {
    /** TCP super-packets (GRO) written to the TUN, made of several wire packets. */
    readonly coalesced: number;
  };
}

/**
 * Sums counter blocks into a snapshot.
 *
 * @param blocks the threads' blocks, each {@link COUNTER_SLOTS} long
 * @returns the totals
 * @example
 * ```ts
 * import { readUdpCounters, SLOT, COUNTER_SLOTS } from "./udp-counters.ts";
 * const a = new Float64Array(COUNTER_SLOTS);
 * const b = new Float64Array(COUNTER_SLOTS);
 * a[SLOT.inPackets] = 2;
 * b[SLOT.inPackets] = 3;
 * readUdpCounters([a, b]).inbound.packets; // 5
 * ```
 */
export function readUdpCounters(blocks: readonly Float64Array[]): UdpCounters {
  const sum = (slot: number): number => blocks.reduce((s, b) => s + (b[slot] ?? 0), 0);
  const drops = <R extends string>(reasons: readonly R[], first: number): Record<R, number> => Object.fromEntries(reasons.map((r, i) => [r, sum(first + i)])) as Record<R, number>;
  return {
    outbound: {
      received: sum(SLOT.outReceived),
      packets: sum(SLOT.outPackets),
      bytes: sum(SLOT.outBytes),
      icmpUnreachable: sum(SLOT.outIcmpUnreachable),
      superPackets: sum(SLOT.outSuperPackets),
      drops: drops(OUTBOUND_DROP_REASONS, SLOT.outDrops),
    },
    inbound: {
      received: sum(SLOT.inReceived),
      packets: sum(SLOT.inPackets),
      bytes: sum(SLOT.inBytes),
      coalesced: sum(SLOT.inCoalesced),
      drops: drops(INBOUND_DROP_REASONS, SLOT.inDrops),
    },
  };
}
