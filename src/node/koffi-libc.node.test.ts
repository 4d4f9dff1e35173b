import { createSocket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { addr } from "../../test/helpers/ipv4-packets.ts";
import { type DatagramSource, LibcUdpSocket, type OpenedUdpSocket, openUdpSocket, PORT_IDLE } from "../backend/udp/index.ts";
import { koffiLibc } from "./koffi-libc.ts";

const libc = koffiLibc();
const LOOPBACK = addr("127.0.0.1");
const opened: OpenedUdpSocket[] = [];

/** Binds a libc socket on loopback at a port that was free a moment ago. */
async function bound(offload: boolean): Promise<{ socket: LibcUdpSocket; port: number; opened: OpenedUdpSocket }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const probe = createSocket("udp4");
    const port = await new Promise<number>((resolve) => probe.bind(0, "127.0.0.1", () => resolve(probe.address().port)));
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = openUdpSocket(libc, LOOPBACK, port, { offload });
    if (result.isOk()) {
      opened.push(result.value);
      return { socket: new LibcUdpSocket(libc, result.value.fd, result.value), port, opened: result.value };
    }
  }
  throw new Error("no free UDP port on loopback");
}

afterEach(() => {
  for (const s of opened.splice(0)) libc.close(s.fd);
});

const buffer = (n: number): Uint8Array => new Uint8Array(new ArrayBuffer(n));

describe("LibcUdpSocket through koffi (loopback)", () => {
  it("sends one datagram and receives it with its source", async () => {
    const a = await bound(false);
    const b = await bound(false);
    const out = buffer(100);
    out.set([1, 2, 3, 4, 5], 10);
    expect(a.socket.send(out, 10, 5, LOOPBACK, b.port, 0)).toBe(true);
    const into = buffer(2000);
    const from: DatagramSource = { address: 0, port: 0, segmentSize: 0 };
    expect(b.socket.receive(into, 7, 1000, from, 1000)).toBe(5);
    expect([...into.subarray(7, 12)]).toEqual([1, 2, 3, 4, 5]);
    expect(from).toEqual({ address: LOOPBACK, port: a.port, segmentSize: 0 });
    expect(b.socket.receive(into, 0, 1000, from, 10)).toBe(PORT_IDLE);
  });

  it("hands a train to the kernel in one GSO send and gets it back in one GRO receive", async () => {
    const a = await bound(true);
    const b = await bound(true);
    expect(a.opened.maxSegments).toBeGreaterThan(1);
    expect(b.opened.gro).toBe(true);
    const train = buffer(2500);
    for (let i = 0; i < train.length; i++) train[i] = i % 251;
    expect(a.socket.send(train, 0, 2500, LOOPBACK, b.port, 1000)).toBe(true);
    const into = buffer(70000);
    const from: DatagramSource = { address: 0, port: 0, segmentSize: 0 };
    const n = b.socket.receive(into, 10, 65536, from, 1000);
    expect(n).toBe(2500);
    expect(from).toEqual({ address: LOOPBACK, port: a.port, segmentSize: 1000 });
    expect([...into.subarray(10, 2510)]).toEqual([...train]);
  });

  it("a receiver without GRO sees the datagrams the kernel cut", async () => {
    const a = await bound(true);
    const b = await bound(false);
    const train = buffer(2500).fill(9);
    expect(a.socket.send(train, 0, 2500, LOOPBACK, b.port, 1000)).toBe(true);
    const into = buffer(70000);
    const from: DatagramSource = { address: 0, port: 0, segmentSize: 0 };
    const lengths = [0, 1, 2].map(() => b.socket.receive(into, 0, 65536, from, 1000));
    expect(lengths).toEqual([1000, 1000, 500]);
  });

  it("reports an empty datagram as 0 bytes, not as nothing", async () => {
    const b = await bound(false);
    const sender = createSocket("udp4");
    await new Promise<void>((resolve, reject) => sender.send(new Uint8Array(0), b.port, "127.0.0.1", (e) => (e ? reject(e) : resolve())));
    sender.close();
    const from: DatagramSource = { address: 0, port: 0, segmentSize: 0 };
    expect(b.socket.receive(buffer(100), 0, 100, from, 1000)).toBe(0);
  });

  it("names the errno when it cannot bind", () => {
    const result = openUdpSocket(libc, addr("192.0.2.250"), 8285);
    expect(result._unsafeUnwrapErr()).toEqual({
      kind: "udp-socket",
      step: "bind",
      address: "192.0.2.250:8285",
      errno: 99,
      message: "cannot bind UDP 192.0.2.250:8285: EADDRNOTAVAIL (cannot assign requested address)",
    });
  });
});
