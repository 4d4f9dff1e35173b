import { describe, expect, it } from "vitest";
import { concat, payloadBytes, tcpPacket } from "../../../test/helpers/ipv4-packets.ts";
import { segmentTcp4 } from "./tcp-segmenter.ts";

const timestamps = Uint8Array.of(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2); // NOP NOP TS

/** The super-packet the kernel hands over with TSO: one header, payload for several segments, partial checksum left as is. */
function superPacket(payload: Uint8Array, flags: number, id = 100): Uint8Array {
  return tcpPacket({ source: "10.5.1.0", destination: "10.5.2.0", seq: 0xfffff000, flags, payload, options: timestamps, id });
}

/** What a network card puts on the wire: the same stream, cut by hand. */
function expectedSegments(payload: Uint8Array, mss: number, flags: number, id = 100): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0, sent = 0; sent < payload.length; i++, sent += mss) {
    const last = sent + mss >= payload.length;
    let f = last ? flags : flags & ~0x09;
    if (i > 0) f &= ~0x80;
    out.push(
      tcpPacket({
        source: "10.5.1.0",
        destination: "10.5.2.0",
        seq: (0xfffff000 + sent) >>> 0,
        flags: f,
        payload: payload.subarray(sent, sent + mss),
        options: timestamps,
        id: (id + i) & 0xffff,
      }),
    );
  }
  return out;
}

describe("segmentTcp4", () => {
  it.each([
    ["ACK|PSH, 3 full segments and a short one", 4000, 1208, 0x18],
    ["FIN on the last only", 2416, 1208, 0x19],
    ["CWR on the first only", 3000, 1400, 0x90],
    ["a sequence number that wraps", 20000, 1400, 0x10],
  ])("%s", (_, length, mss, flags) => {
    const payload = payloadBytes(length);
    const packet = superPacket(payload, flags);
    const out = new Uint8Array(packet.length + 100 * 52);
    const written = segmentTcp4(packet, 0, packet.length, mss, out, 0);
    const expected = concat(...expectedSegments(payload, mss, flags));
    expect(written).toBe(expected.length);
    expect([...out.subarray(0, written)]).toEqual([...expected]);
  });

  it("wraps the IP ID", () => {
    const payload = payloadBytes(3000);
    const packet = superPacket(payload, 0x10, 0xffff);
    const out = new Uint8Array(4000);
    const written = segmentTcp4(packet, 0, packet.length, 1400, out, 0);
    expect([...out.subarray(0, written)]).toEqual([...concat(...expectedSegments(payload, 1400, 0x10, 0xffff))]);
    expect(out[1452 + 4]).toBe(0);
    expect(out[1452 + 5]).toBe(0);
  });

  it.each([
    ["not TCP", (p: Uint8Array) => (p[9] = 17)],
    ["a fragment", (p: Uint8Array) => (p[6] = 0x20)],
    ["no payload", () => undefined],
  ])("refuses %s", (name, spoil) => {
    const packet = superPacket(name === "no payload" ? new Uint8Array(0) : payloadBytes(100), 0x10);
    spoil(packet);
    expect(segmentTcp4(packet, 0, packet.length, 50, new Uint8Array(1000), 0)).toBe(0);
  });
});
