// Packets built by hand for the UDP engine's tests, field by field from the
// RFCs (791 IPv4, 792 ICMP, 793 TCP), with a textbook checksum that shares
// no code with the engine's.

/** RFC 1071's definition, one 16-bit word at a time, folded at the end. */
export function referenceChecksum(bytes: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) + (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Dotted quad to uint32. */
export function addr(text: string): number {
  return text.split(".").reduce((a, o) => a * 256 + Number(o), 0);
}

export interface Ipv4Spec {
  readonly source: string;
  readonly destination: string;
  readonly protocol: number;
  readonly payload: Uint8Array;
  readonly ttl?: number;
  readonly id?: number;
  readonly tos?: number;
  /** flags (3 bits) << 13 | fragment offset; default DF. */
  readonly fragment?: number;
  readonly options?: Uint8Array;
}

/** An IPv4 packet (RFC 791, 3.1) with a correct header checksum. */
export function ipv4Packet(spec: Ipv4Spec): Uint8Array {
  const options = spec.options ?? new Uint8Array(0);
  const headerLength = 20 + options.length;
  const total = headerLength + spec.payload.length;
  const p = new Uint8Array(total);
  const v = new DataView(p.buffer);
  p[0] = (4 << 4) | (headerLength / 4);
  p[1] = spec.tos ?? 0;
  v.setUint16(2, total);
  v.setUint16(4, spec.id ?? 0x1234);
  v.setUint16(6, spec.fragment ?? 0x4000);
  p[8] = spec.ttl ?? 64;
  p[9] = spec.protocol;
  v.setUint32(12, addr(spec.source));
  v.setUint32(16, addr(spec.destination));
  p.set(options, 20);
  v.setUint16(10, referenceChecksum(p.subarray(0, headerLength)));
  p.set(spec.payload, headerLength);
  return p;
}

/** An ICMP message (RFC 792): type, code, checksum, 4 bytes of rest-of-header, data. */
export function icmpMessage(type: number, code: number, rest: Uint8Array, data: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + data.length);
  m[0] = type;
  m[1] = code;
  m.set(rest.subarray(0, 4), 4);
  m.set(data, 8);
  new DataView(m.buffer).setUint16(2, referenceChecksum(m));
  return m;
}

/** An ICMP echo request from `source` to `destination` with identifier, sequence number and data. */
export function pingPacket(source: string, destination: string, id = 0x4242, seq = 1, data = new Uint8Array(16).fill(0xab)): Uint8Array {
  const rest = new Uint8Array([id >> 8, id & 0xff, seq >> 8, seq & 0xff]);
  return ipv4Packet({ source, destination, protocol: 1, payload: icmpMessage(8, 0, rest, data) });
}

export interface TcpSpec {
  readonly source: string;
  readonly destination: string;
  readonly sourcePort?: number;
  readonly destinationPort?: number;
  readonly seq: number;
  readonly ack?: number;
  /** TCP flags byte; default ACK. */
  readonly flags?: number;
  readonly window?: number;
  readonly options?: Uint8Array;
  readonly payload: Uint8Array;
  readonly id?: number;
  readonly ttl?: number;
  readonly tos?: number;
}

/** The TCP pseudo-header sum's initial value for the checksum (RFC 793, 3.1). */
function pseudoHeader(source: string, destination: string, tcpLength: number): Uint8Array {
  const ph = new Uint8Array(12);
  const v = new DataView(ph.buffer);
  v.setUint32(0, addr(source));
  v.setUint32(4, addr(destination));
  ph[9] = 6;
  v.setUint16(10, tcpLength);
  return ph;
}

/** A TCP segment in an IPv4 packet, both checksums correct. */
export function tcpPacket(spec: TcpSpec): Uint8Array {
  const options = spec.options ?? new Uint8Array(0);
  const headerLength = 20 + options.length;
  const t = new Uint8Array(headerLength + spec.payload.length);
  const v = new DataView(t.buffer);
  v.setUint16(0, spec.sourcePort ?? 40000);
  v.setUint16(2, spec.destinationPort ?? 5201);
  v.setUint32(4, spec.seq >>> 0);
  v.setUint32(8, (spec.ack ?? 1000) >>> 0);
  t[12] = (headerLength / 4) << 4;
  t[13] = spec.flags ?? 0x10;
  v.setUint16(14, spec.window ?? 502);
  t.set(options, 20);
  t.set(spec.payload, headerLength);
  const ph = pseudoHeader(spec.source, spec.destination, t.length);
  const both = new Uint8Array(ph.length + t.length);
  both.set(ph);
  both.set(t, ph.length);
  v.setUint16(16, referenceChecksum(both));
  return ipv4Packet({ source: spec.source, destination: spec.destination, protocol: 6, payload: t, id: spec.id ?? 0x1234, ttl: spec.ttl ?? 64, tos: spec.tos ?? 0 });
}

/** Whether the TCP checksum of an IPv4/TCP packet verifies. */
export function tcpChecksumOk(packet: Uint8Array): boolean {
  const ihl = (packet[0]! & 0x0f) * 4;
  const tcp = packet.subarray(ihl);
  const v = new DataView(packet.buffer, packet.byteOffset);
  const ph = new Uint8Array(12);
  const pv = new DataView(ph.buffer);
  pv.setUint32(0, v.getUint32(12));
  pv.setUint32(4, v.getUint32(16));
  ph[9] = 6;
  pv.setUint16(10, tcp.length);
  const both = new Uint8Array(12 + tcp.length);
  both.set(ph);
  both.set(tcp, 12);
  return referenceChecksum(both) === 0;
}

/** Deterministic payload bytes. */
export function payloadBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A 10-byte virtio-net header (little-endian). */
export function vnetHeader(fields: { flags?: number; gsoType?: number; hdrLen?: number; gsoSize?: number; csumStart?: number; csumOffset?: number }): Uint8Array {
  const h = new Uint8Array(10);
  const v = new DataView(h.buffer);
  h[0] = fields.flags ?? 0;
  h[1] = fields.gsoType ?? 0;
  v.setUint16(2, fields.hdrLen ?? 0, true);
  v.setUint16(4, fields.gsoSize ?? 0, true);
  v.setUint16(6, fields.csumStart ?? 0, true);
  v.setUint16(8, fields.csumOffset ?? 0, true);
  return h;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
