/**
 * ICMP echo (RFC 792) in IPv4 packets, as a container's kernel and ping
 * would build and read them: echo requests with ping's payload, the echo
 * reply a host sends back, and a reader that tells replies and ICMP errors
 * (with the request they refer to) apart. Pure; packets are byte arrays.
 *
 * @module
 */
import { internetChecksum } from "../backend/udp/checksum.ts";
import { checkIpv4Packet, formatIpv4Header, IPPROTO_ICMP } from "../backend/udp/ipv4-header.ts";
import { formatIp, ip4 } from "../subnet/ip.ts";

const ICMP_ECHO_REPLY = 0;
const ICMP_UNREACHABLE = 3;
const ICMP_ECHO_REQUEST = 8;
const ICMP_TIME_EXCEEDED = 11;
const DONT_FRAGMENT = 0b010;

/** What an echo request carries besides its payload. */
export interface EchoRequestFields {
  /** Sender's address (uint32). */
  readonly source: number;
  /** Destination address (uint32). */
  readonly destination: number;
  /** ICMP identifier (ping uses one per run). */
  readonly id: number;
  /** ICMP sequence number, from 1. */
  readonly seq: number;
  /** IPv4 TTL. Default 64, Linux's default. */
  readonly ttl?: number;
  /** IPv4 identification. Default: `seq`. */
  readonly identification?: number;
  /** Payload bytes. Default 56, ping's default. */
  readonly payloadBytes?: number;
}

/**
 * Builds an IPv4 packet holding an ICMP echo request, with Don't Fragment
 * set (as Linux sets it) and both checksums computed. The payload is ping's
 * pattern: byte i holds i (mod 256).
 *
 * @param fields addresses, identifier, sequence number
 * @returns the packet (20 + 8 + payload bytes)
 * @example
 * ```ts
 * import { buildEchoRequest } from "./icmp-echo.ts";
 * const packet = buildEchoRequest({ source: 0xac140102, destination: 0xac143e02, id: 7, seq: 1 });
 * packet.length; // 84
 * ```
 */
export function buildEchoRequest(fields: EchoRequestFields): Uint8Array {
  const payload = fields.payloadBytes ?? 56;
  const icmp = new Uint8Array(8 + payload);
  icmp[0] = ICMP_ECHO_REQUEST;
  put16(icmp, 4, fields.id);
  put16(icmp, 6, fields.seq);
  for (let i = 0; i < payload; i++) icmp[8 + i] = i & 0xff;
  put16(icmp, 2, checksum(icmp, 0, icmp.length));
  return ipv4Packet({
    source: fields.source,
    destination: fields.destination,
    ttl: fields.ttl ?? 64,
    identification: fields.identification ?? fields.seq,
    body: icmp,
  });
}

/**
 * The echo reply a host's kernel sends for an echo request addressed to it:
 * addresses swapped, a fresh TTL, type 0, the identifier, sequence number
 * and payload echoed. Anything that is not an intact echo request gets no
 * reply, as the kernel drops it.
 *
 * @param request an IPv4 packet
 * @param ttl the reply's TTL. Default 64.
 * @returns the reply packet, or undefined
 * @example
 * ```ts
 * import { buildEchoRequest, echoReplyFor, readIcmp } from "./icmp-echo.ts";
 * const request = buildEchoRequest({ source: 0xac140102, destination: 0xac143e02, id: 7, seq: 1 });
 * const reply = echoReplyFor(request)!;
 * readIcmp(reply); // { kind: "echo-reply", from: "172.20.62.2", id: 7, seq: 1, ttl: 64, icmpBytes: 64 }
 * ```
 */
export function echoReplyFor(request: Uint8Array, ttl = 64): Uint8Array | undefined {
  const read = readIcmp(request);
  if (read?.kind !== "echo-request") return undefined;
  const headerLength = (request[0]! & 0x0f) * 4;
  const icmp = request.slice(headerLength);
  icmp[0] = ICMP_ECHO_REPLY;
  put16(icmp, 2, 0);
  put16(icmp, 2, checksum(icmp, 0, icmp.length));
  return ipv4Packet({ source: get32(request, 16), destination: get32(request, 12), ttl, identification: get16(request, 4), body: icmp });
}

/** What {@link readIcmp} found in a packet. */
export type IcmpMessage =
  /** An echo request (type 8). */
  | { readonly kind: "echo-request"; readonly from: string; readonly to: string; readonly id: number; readonly seq: number; readonly ttl: number }
  /** An echo reply (type 0); `icmpBytes` is what ping reports as "bytes from". */
  | { readonly kind: "echo-reply"; readonly from: string; readonly id: number; readonly seq: number; readonly ttl: number; readonly icmpBytes: number }
  /**
   * An ICMP error (destination unreachable, time exceeded) about an echo
   * request: `id` and `seq` are the quoted request's.
   */
  | { readonly kind: "error"; readonly from: string; readonly type: number; readonly code: number; readonly id: number; readonly seq: number };

/**
 * Reads the ICMP message in an IPv4 packet: echo requests, echo replies,
 * and the ICMP errors that quote an echo request. Packets that are not
 * intact (a bad length or checksum), not ICMP, or other ICMP types give
 * undefined.
 *
 * @param packet an IPv4 packet
 * @returns what it is, or undefined
 * @example
 * ```ts
 * import { buildEchoRequest, readIcmp } from "./icmp-echo.ts";
 * readIcmp(buildEchoRequest({ source: 0xac140102, destination: 0xac143e02, id: 7, seq: 3 }));
 * // { kind: "echo-request", from: "172.20.1.2", to: "172.20.62.2", id: 7, seq: 3, ttl: 64 }
 * ```
 */
export function readIcmp(packet: Uint8Array): IcmpMessage | undefined {
  if (checkIpv4Packet(packet, 0, packet.length) !== undefined || packet[9] !== IPPROTO_ICMP) return undefined;
  const headerLength = (packet[0]! & 0x0f) * 4;
  if (packet.length < headerLength + 8 || checksum(packet, headerLength, packet.length) !== 0) return undefined;
  const from = formatIp(ip4(get32(packet, 12)));
  const ttl = packet[8]!;
  const type = packet[headerLength]!;
  const id = get16(packet, headerLength + 4);
  const seq = get16(packet, headerLength + 6);
  if (type === ICMP_ECHO_REQUEST) return { kind: "echo-request", from, to: formatIp(ip4(get32(packet, 16))), id, seq, ttl };
  if (type === ICMP_ECHO_REPLY) return { kind: "echo-reply", from, id, seq, ttl, icmpBytes: packet.length - headerLength };
  if (type !== ICMP_UNREACHABLE && type !== ICMP_TIME_EXCEEDED) return undefined;
  // The error quotes the offending packet's IPv4 header and its first 8 bytes: the echo request's ICMP header.
  const quoted = headerLength + 8;
  if (packet.length < quoted + 20) return undefined;
  const quotedHeaderLength = (packet[quoted]! & 0x0f) * 4;
  const quotedIcmp = quoted + quotedHeaderLength;
  if (packet[quoted + 9] !== IPPROTO_ICMP || packet.length < quotedIcmp + 8 || packet[quotedIcmp] !== ICMP_ECHO_REQUEST) return undefined;
  return { kind: "error", from, type, code: packet[headerLength + 1]!, id: get16(packet, quotedIcmp + 4), seq: get16(packet, quotedIcmp + 6) };
}

interface Ipv4PacketFields {
  readonly source: number;
  readonly destination: number;
  readonly ttl: number;
  readonly identification: number;
  readonly body: Uint8Array;
}

function ipv4Packet(fields: Ipv4PacketFields): Uint8Array {
  const header = formatIpv4Header({
    tos: 0,
    totalLength: 20 + fields.body.length,
    identification: fields.identification & 0xffff,
    flags: DONT_FRAGMENT,
    fragmentOffset: 0,
    ttl: fields.ttl,
    protocol: IPPROTO_ICMP,
    source: fields.source,
    destination: fields.destination,
    options: new Uint8Array(0),
  });
  const packet = new Uint8Array(header.length + fields.body.length);
  packet.set(header);
  packet.set(fields.body, header.length);
  return packet;
}

const checksum = (bytes: Uint8Array, start: number, end: number): number => internetChecksum(bytes, start, end);

function get16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}

function get32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function put16(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = (value >>> 8) & 0xff;
  bytes[at + 1] = value & 0xff;
}
