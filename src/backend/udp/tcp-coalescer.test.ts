import { describe, expect, it } from "vitest";
import { payloadBytes, tcpChecksumOk, tcpPacket } from "../../../test/helpers/ipv4-packets.ts";
import { TcpCoalescer } from "./tcp-coalescer.ts";
import { segmentTcp4 } from "./tcp-segmenter.ts";
import { completeChecksum, readVnetHeader } from "./virtio-net-header.ts";

const ts = Uint8Array.of(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2);
const seg = (seq: number, payload: Uint8Array, more: Partial<Parameters<typeof tcpPacket>[0]> = {}): Uint8Array =>
  tcpPacket({ source: "10.5.1.0", destination: "10.5.2.0", seq, payload, options: ts, ...more });

/** Lays packets out as a GRO train after 10 bytes of headroom; returns the buffer and offsets. */
function train(packets: Uint8Array[]): { buffer: Uint8Array; offsets: number[] } {
  const buffer = new Uint8Array(10 + packets.reduce((n, p) => n + p.length, 0));
  const offsets: number[] = [];
  let o = 10;
  for (const p of packets) {
    buffer.set(p, o);
    offsets.push(o);
    o += p.length;
  }
  return { buffer, offsets };
}

/** Runs the coalescer over a train the way the inbound pump does; returns what would be written. */
function coalesceAll(packets: Uint8Array[]): Uint8Array[] {
  const { buffer, offsets } = train(packets);
  const coalescer = new TcpCoalescer();
  const written: Uint8Array[] = [];
  const flush = (): void => {
    const n = coalescer.finish(buffer);
    written.push(buffer.slice(coalescer.writeOffset, coalescer.writeOffset + n));
  };
  offsets.forEach((o, i) => {
    const length = packets[i]!.length;
    if (i > 0 && coalescer.append(buffer, o, length)) return;
    if (i > 0) flush();
    coalescer.begin(buffer, o, length);
  });
  flush();
  return written;
}

describe("TcpCoalescer", () => {
  it("joins a stream's segments into the super-packet they were cut from", () => {
    const payload = payloadBytes(5000);
    const original = seg(1000, payload, { flags: 0x18 });
    const out = new Uint8Array(8000);
    const n = segmentTcp4(original, 0, original.length, 1200, out, 0);
    const segments: Uint8Array[] = [];
    for (let o = 0; o < n; o += 1252) segments.push(out.slice(o, Math.min(n, o + 1252)));
    const [joined] = coalesceAll(segments);
    expect(coalesceAll(segments)).toHaveLength(1);
    const header = readVnetHeader(joined!, 0);
    expect(header).toEqual({ flags: 1, gsoType: 1, headerLength: 52, gsoSize: 1200, csumStart: 20, csumOffset: 16 });
    const packet = joined!.slice(10);
    // The IP header is the first segment's with the whole length; the TCP
    // checksum is partial: completing it gives the original packet's.
    expect(completeChecksum(packet, 0, packet.length, 20, 16)).toBe(true);
    expect([...packet]).toEqual([...original]);
    expect(tcpChecksumOk(packet)).toBe(true);
  });

  it("writes a lone segment with a plain virtio-net header", () => {
    const p = seg(1, payloadBytes(100));
    expect(coalesceAll([p]).map((w) => [...w])).toEqual([[...new Uint8Array(10), ...p]]);
  });

  const a = seg(1000, payloadBytes(100, 1));
  const next = (more: Partial<Parameters<typeof tcpPacket>[0]> = {}, payload = payloadBytes(100, 2)): Uint8Array => seg(1100, payload, more);
  it.each([
    ["a gap in the sequence", seg(1200, payloadBytes(100, 2))],
    ["another source port", next({ sourcePort: 1 })],
    ["another destination", tcpPacket({ source: "10.5.1.0", destination: "10.5.2.1", seq: 1100, payload: payloadBytes(100), options: ts })],
    ["another acknowledgment", next({ ack: 5 })],
    ["another window", next({ window: 1 })],
    [
      "other options",
      tcpPacket({ source: "10.5.1.0", destination: "10.5.2.0", seq: 1100, payload: payloadBytes(100), options: Uint8Array.of(1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 2) }),
    ],
    ["a FIN", next({ flags: 0x11 })],
    ["a longer segment", next({}, payloadBytes(101))],
    ["another TTL", next({ ttl: 3 })],
    ["another TOS", next({ tos: 2 })],
    ["no payload", next({}, new Uint8Array(0))],
    ["a segment whose TCP checksum fails", ((p) => ((p[60] = p[60]! ^ 1), p))(next())],
  ])("keeps apart %s", (_, b) => {
    expect(coalesceAll([a, b]).map((w) => [...w])).toEqual([[...new Uint8Array(10), ...a], [...new Uint8Array(10), ...b]]);
  });

  it("does not start a run with a segment whose TCP checksum fails", () => {
    const bad = a.slice();
    bad[70] = bad[70]! ^ 1;
    expect(coalesceAll([bad, next()]).map((w) => [...w])).toEqual([[...new Uint8Array(10), ...bad], [...new Uint8Array(10), ...next()]]);
  });

  it("ends a run after a PSH or a short segment, and starts the next", () => {
    const p = (seq: number, len: number, flags = 0x10): Uint8Array => seg(seq, payloadBytes(len, seq), { flags });
    const written = coalesceAll([p(0, 100), p(100, 100, 0x18), p(200, 100), p(300, 50), p(350, 100)]);
    expect(written.map((w) => readVnetHeader(w, 0).gsoType)).toEqual([1, 1, 0]);
    expect(written.map((w) => w.length - 10)).toEqual([52 + 200, 52 + 150, 52 + 100]);
    // PSH of the run's last segment moves to the super-packet.
    expect(written[0]![10 + 20 + 13]).toBe(0x18);
  });

  it("leaves IP options, fragments and non-TCP alone", () => {
    const udp = tcpPacket({ source: "10.5.1.0", destination: "10.5.2.0", seq: 1, payload: payloadBytes(100) });
    udp[9] = 17;
    const coalescer = new TcpCoalescer();
    const { buffer, offsets } = train([udp, udp]);
    coalescer.begin(buffer, offsets[0]!, udp.length);
    expect(coalescer.append(buffer, offsets[1]!, udp.length)).toBe(false);
  });
});
