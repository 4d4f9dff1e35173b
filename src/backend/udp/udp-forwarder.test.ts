import { describe, expect, it } from "vitest";
import { addr, pingPacket } from "../../../test/helpers/ipv4-packets.ts";
import { parseCidr4, parseIp4 } from "../../subnet/index.ts";
import { MemorySocket, MemoryTun } from "./memory-ports.ts";
import { PORT_IDLE } from "./packet-ports.ts";
import { publishRoutes, RouteLog } from "./route-log.ts";
import { RouteTable } from "./route-table.ts";
import { COUNTER_SLOTS, readUdpCounters } from "./udp-counters.ts";
import { CONTROL_STOP, type ForwarderInit, runForwarder } from "./udp-forwarder.ts";

/** A TUN whose reads run a hook first (e.g. a route change "during the wait") and stop the loop once idle. */
class ScriptedTun extends MemoryTun {
  constructor(
    private readonly control: Int32Array,
    private readonly duringWait: () => void = () => undefined,
  ) {
    super();
  }
  override read(buffer: Uint8Array, offset: number, capacity: number): number {
    this.duringWait();
    const n = super.read(buffer, offset, capacity);
    if (n === PORT_IDLE) Atomics.store(this.control, CONTROL_STOP, 1);
    return n;
  }
}

function shared() {
  const control = new SharedArrayBuffer(64);
  const counters = new SharedArrayBuffer(2 * COUNTER_SLOTS * 8);
  const log = RouteLog.create({ readers: 2 });
  const primary = new RouteTable();
  publishRoutes(primary, log);
  const init: ForwarderInit = {
    direction: "outbound",
    index: 0,
    localAddress: addr("10.5.1.0"),
    localPrefix: 24,
    sourceFilter: true,
    defaultPort: 8285,
    pollMs: 0,
    control,
    counters,
    routeLog: log.buffer,
    tun: { fd: -1, vnetHeader: false },
    socket: { fd: -1, maxSegments: 1, gro: false },
  };
  return { init, primary, control: new Int32Array(control), counters: () => readUdpCounters([new Float64Array(counters, 0, COUNTER_SLOTS)]) };
}

describe("runForwarder", () => {
  it("follows the primary table and pumps until asked to stop", () => {
    const { init, primary, control, counters } = shared();
    primary.set(parseCidr4("10.5.2.0/24")._unsafeUnwrap(), parseIp4("192.0.2.2")._unsafeUnwrap());
    const tun = new ScriptedTun(control);
    tun.inject(pingPacket("10.5.1.2", "10.5.2.3"));
    const socket = new MemorySocket();
    expect(runForwarder(init, tun, socket)).toBe("stopped");
    expect(socket.sent.map((d) => d.address)).toEqual([addr("192.0.2.2")]);
    expect(counters().outbound.packets).toBe(1);
  });

  it("routes a packet that ends a wait with the routes of its arrival", () => {
    const { init, primary, control } = shared();
    let once = false;
    const tun = new ScriptedTun(control, () => {
      if (once) return;
      once = true;
      // The agent learns of the lease while the thread waits for a packet.
      primary.set(parseCidr4("10.5.2.0/24")._unsafeUnwrap(), parseIp4("192.0.2.2")._unsafeUnwrap());
    });
    tun.inject(pingPacket("10.5.1.2", "10.5.2.3"));
    const socket = new MemorySocket();
    runForwarder(init, tun, socket);
    expect(socket.sent).toHaveLength(1);
  });

  it("ends when its port is gone", () => {
    const { init } = shared();
    const tun = new MemoryTun();
    tun.closed = true;
    expect(runForwarder(init, tun, new MemorySocket())).toBe("port-gone");
  });
});
