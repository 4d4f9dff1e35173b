import { describe, expect, it } from "vitest";
import { buildEchoRequest, echoReplyFor, readIcmp } from "./icmp-echo.ts";

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const pattern = hex(Uint8Array.from({ length: 56 }, (_, i) => i));

// 172.20.1.2 -> 172.20.62.2, id 7, seq 1; checksums computed by hand (RFC 1071).
const request = "450000540001400040" + "01" + "a37b" + "ac140102" + "ac143e02" + // IPv4: DF, TTL 64, ICMP
  "0800" + "00e5" + "0007" + "0001" + pattern; // echo request, id 7, seq 1
const reply = "450000540001400040" + "01" + "a37b" + "ac143e02" + "ac140102" +
  "0000" + "08e5" + "0007" + "0001" + pattern;

const fromHex = (text: string): Uint8Array => Uint8Array.from(text.match(/../g)!, (b) => parseInt(b, 16));

describe("buildEchoRequest", () => {
  it("builds ping's packet byte for byte", () => {
    expect(hex(buildEchoRequest({ source: 0xac140102, destination: 0xac143e02, id: 7, seq: 1 }))).toBe(request);
  });

  it("takes the TTL, identification and payload size", () => {
    const packet = buildEchoRequest({ source: 1, destination: 2, id: 1, seq: 9, ttl: 3, identification: 0xbeef, payloadBytes: 0 });
    expect(packet.length).toBe(28);
    expect([packet[8], packet[4], packet[5]]).toEqual([3, 0xbe, 0xef]);
    expect(readIcmp(packet)).toEqual({ kind: "echo-request", from: "0.0.0.1", to: "0.0.0.2", id: 1, seq: 9, ttl: 3 });
  });
});

describe("echoReplyFor", () => {
  it("answers as a kernel does: addresses swapped, type 0, a fresh TTL, the rest echoed", () => {
    const asReceived = fromHex(request);
    asReceived[8] = 62; // two hops on the way: TTL and checksum patched
    asReceived[10] = 0xa5;
    asReceived[11] = 0x7b;
    expect(hex(echoReplyFor(asReceived)!)).toBe(reply);
  });

  it.each([
    ["a reply", fromHex(reply)],
    ["a request with a bad IPv4 checksum", fromHex(request.replace("a37b", "a37c"))],
    ["a request with a bad ICMP checksum", fromHex(request.replace("00e5", "00e6"))],
    ["a truncated request", fromHex(request).subarray(0, 40)],
    ["UDP", fromHex(request.replace("4001a37b", "4011a36b"))],
  ])("does not answer %s", (_what, packet) => {
    expect(echoReplyFor(packet)).toBeUndefined();
  });
});

describe("readIcmp", () => {
  it("reads an echo reply with the bytes ping reports", () => {
    expect(readIcmp(fromHex(reply))).toEqual({ kind: "echo-reply", from: "172.20.62.2", id: 7, seq: 1, ttl: 64, icmpBytes: 64 });
  });

  it("reads a net unreachable that quotes an echo request, with the request's id and seq", () => {
    // From 172.20.1.0 (the engine's TUN address) to 172.20.1.2: type 3 code 0, quoting the request's header and first 8 bytes.
    const quoted = request.slice(0, 56);
    const body = "0300" + "0000" + "00000000" + quoted;
    const icmp = fromHex(body);
    const sum = onesComplement(icmp);
    icmp[2] = sum >> 8;
    icmp[3] = sum & 0xff;
    const header = fromHex("45000038000000004001" + "0000" + "ac140100" + "ac140102");
    const hsum = onesComplement(header);
    header[10] = hsum >> 8;
    header[11] = hsum & 0xff;
    const packet = new Uint8Array([...header, ...icmp]);
    expect(readIcmp(packet)).toEqual({ kind: "error", from: "172.20.1.0", type: 3, code: 0, id: 7, seq: 1 });
  });

  it.each([
    ["a timestamp request", "0d00"],
    ["an echo request quoted in a redirect", "0500"],
  ])("ignores %s", (_what, typeCode) => {
    const icmp = fromHex(typeCode + "0000" + "00000000" + request.slice(0, 56));
    const sum = onesComplement(icmp);
    icmp[2] = sum >> 8;
    icmp[3] = sum & 0xff;
    const header = fromHex("45000038000000004001" + "0000" + "ac140100" + "ac140102");
    const hsum = onesComplement(header);
    header[10] = hsum >> 8;
    header[11] = hsum & 0xff;
    expect(readIcmp(new Uint8Array([...header, ...icmp]))).toBeUndefined();
  });
});

// An independent checksum for building test packets.
function onesComplement(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += bytes[i]! * 256 + (bytes[i + 1] ?? 0);
  sum = (sum % 65536) + Math.floor(sum / 65536);
  sum = (sum % 65536) + Math.floor(sum / 65536);
  return 65535 - sum;
}
