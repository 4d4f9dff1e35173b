import { describe, expect, it } from "vitest";
import { addr, pingPacket } from "../../../test/helpers/ipv4-packets.ts";
import { cidr4, ip4 } from "../../subnet/index.ts";
import { RouteTable } from "./route-table.ts";
import { readUdpCounters } from "./udp-counters.ts";
import { UdpDatapath } from "./udp-datapath.ts";

// The source filter is on unless turned off: a datapath built without the
// option must drop what a host without a lease sends.
describe("UdpDatapath's source filter", () => {
  const routes = new RouteTable();
  routes.set(cidr4(addr("10.5.2.0"), 24), ip4(addr("192.0.2.2")));
  const cases: ReadonlyArray<readonly [string, ConstructorParameters<typeof UdpDatapath>[0], string, boolean]> = [
    ["built without the option, from a route's peer", { routes, localAddress: addr("10.5.1.0"), localPrefix: 24 }, "192.0.2.2", true],
    ["built without the option, from a stranger", { routes, localAddress: addr("10.5.1.0"), localPrefix: 24 }, "203.0.113.9", false],
    ["turned off, from a stranger", { routes, localAddress: addr("10.5.1.0"), localPrefix: 24, sourceFilter: false }, "203.0.113.9", true],
  ];
  it.each(cases)("%s", (_name, options, sender, accepted) => {
    const datapath = new UdpDatapath(options);
    const packet = pingPacket("10.5.2.3", "10.5.1.2");
    expect(datapath.inbound(packet, 0, packet.length, addr(sender))).toBe(accepted);
    expect(readUdpCounters([datapath.counters]).inbound.drops["unknown-source"]).toBe(accepted ? 0 : 1);
  });
});
