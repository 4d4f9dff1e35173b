import { describe, expect, it } from "vitest";
import { MemorySocket } from "../backend/udp/memory-ports.ts";
import type { DatagramSource } from "../backend/udp/packet-ports.ts";
import { ManualClock } from "../core/clock.ts";
import { parseCidr4, parseIp4 } from "../subnet/index.ts";
import { DemoHost, type EventedDatagramSocket } from "./demo-host.ts";
import { buildEchoRequest } from "./icmp-echo.ts";
import { Pinger } from "./pinger.ts";

const PORT = 8285;
const ip = (text: string): number => parseIp4(text)._unsafeUnwrap().value;
const cidr = (text: string) => parseCidr4(text)._unsafeUnwrap();

// A socket in memory whose sends go straight to the peer socket of the same "wire".
class WireSocket extends MemorySocket implements EventedDatagramSocket {
  onReadable: (() => void) | undefined;
  peer: WireSocket | undefined;
  constructor(readonly address: number) {
    super();
  }
  override send(buffer: Uint8Array, offset: number, length: number, address: number, port: number, segmentSize: number): boolean {
    const sent = super.send(buffer, offset, length, address, port, segmentSize);
    const peer = this.peer;
    if (sent && peer !== undefined && peer.address === address && port === PORT) {
      peer.inject(buffer.slice(offset, offset + length), this.address, PORT);
      queueMicrotask(() => peer.onReadable?.());
    }
    return sent;
  }
  override receive(buffer: Uint8Array, offset: number, capacity: number, from: DatagramSource): number {
    return super.receive(buffer, offset, capacity, from);
  }
}

function twoHosts(): { one: DemoHost; two: DemoHost; a: WireSocket; b: WireSocket } {
  const a = new WireSocket(ip("192.0.2.1"));
  const b = new WireSocket(ip("192.0.2.2"));
  a.peer = b;
  b.peer = a;
  const one = new DemoHost({ name: "node1", subnet: cidr("172.20.1.0/24"), socket: a, peerPort: PORT });
  const two = new DemoHost({ name: "node2", subnet: cidr("172.20.2.0/24"), socket: b, peerPort: PORT });
  one.routes.set(cidr("172.20.2.0/24"), parseIp4("192.0.2.2")._unsafeUnwrap());
  two.routes.set(cidr("172.20.1.0/24"), parseIp4("192.0.2.1")._unsafeUnwrap());
  return { one, two, a, b };
}

async function ping(host: DemoHost, from: string, to: string, count: number): Promise<{ lines: string[]; received: number }> {
  const clock = new ManualClock();
  const container = host.attach(ip(from));
  const lines: string[] = [];
  const pinger = new Pinger({
    source: ip(from),
    destination: ip(to),
    count,
    intervalMs: 100,
    timeoutMs: 500,
    send: (packet) => container.send(packet),
    print: (line) => lines.push(line),
    clock,
    micros: () => clock.now() * 1000,
  });
  container.onPacket = (packet) => pinger.deliver(packet);
  const done = pinger.run();
  for (let i = 0; i < 20 && clock.pendingTimers > 0; i++) await clock.advanceAsync(100);
  return { lines, received: (await done).received };
}

describe("DemoHost", () => {
  it("carries an echo request through both engines in flannel's wire format, and the reply back", async () => {
    const { one, two, a, b } = twoHosts();
    two.attach(ip("172.20.2.2"));
    const { lines, received } = await ping(one, "172.20.1.2", "172.20.2.2", 2);
    expect(received).toBe(2);
    expect(lines.slice(1, 3)).toEqual([
      "64 bytes from 172.20.2.2: icmp_seq=1 ttl=62 time=0.000 ms",
      "64 bytes from 172.20.2.2: icmp_seq=2 ttl=62 time=0.000 ms",
    ]);
    // The whole IPv4 packet is the UDP payload, TTL already decremented once by the sender's engine.
    const first = a.sent[0]!;
    expect([first.address, first.port, first.bytes.length, first.bytes[0], first.bytes[8]]).toEqual([ip("192.0.2.2"), PORT, 84, 0x45, 63]);
    expect(b.sent).toHaveLength(2);
    for (const host of [one, two]) {
      const c = host.counters();
      expect([c.outbound.packets, c.inbound.packets]).toEqual([2, 2]);
    }
  });

  it("answers a destination without a route with the engine's ICMP net unreachable, which ping prints", async () => {
    const { one } = twoHosts();
    const { lines, received } = await ping(one, "172.20.1.2", "172.20.9.2", 1);
    expect(received).toBe(0);
    expect(lines[1]).toBe("From 172.20.1.0 icmp_seq=1 Destination Net Unreachable");
    expect(one.counters().outbound.icmpUnreachable).toBe(1);
    expect(one.counters().outbound.drops["no-route"]).toBe(1);
  });

  it("drops a datagram from an address that holds no lease", async () => {
    const { one, a } = twoHosts();
    one.attach(ip("172.20.1.2"));
    a.inject(buildEchoRequest({ source: ip("172.20.7.2"), destination: ip("172.20.1.2"), id: 1, seq: 1 }), ip("198.51.100.9"), PORT);
    a.onReadable?.();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(one.counters().inbound).toMatchObject({ received: 1, packets: 0 });
    expect(one.counters().inbound.drops["unknown-source"]).toBe(1);
    expect(a.sent).toEqual([]);
  });

  it("stops pumping once closed", async () => {
    const { one, a } = twoHosts();
    const container = one.attach(ip("172.20.1.2"));
    one.close();
    container.send(buildEchoRequest({ source: ip("172.20.1.2"), destination: ip("172.20.2.2"), id: 1, seq: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(a.sent).toEqual([]);
    expect(one.counters().outbound.received).toBe(0);
  });

  it("refuses a container outside its subnet", () => {
    const { one } = twoHosts();
    expect(() => one.attach(ip("172.20.2.2"))).toThrow("172.20.2.2 is not in node1's subnet");
  });
});
