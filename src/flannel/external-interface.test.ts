import { err, ok, type Result } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseIp, parseIp4 } from "../subnet/index.ts";
import { chooseExternalInterface, type HostInterface, type RouteToAddress } from "./external-interface.ts";

const ip = (s: string) => parseIp(s)._unsafeUnwrap();
const ip4 = (s: string) => parseIp4(s)._unsafeUnwrap();
const reach = (address: string, route: Result<RouteToAddress, string>) => ({ address, route });
const host: HostInterface[] = [
  { name: "lo", mtu: 65536, addresses: [ip("127.0.0.1"), ip("::1")] },
  { name: "eth0", mtu: 1500, addresses: [ip("fe80::1"), ip("192.0.2.10"), ip("192.0.2.11")] },
  { name: "eth1", mtu: 9000, addresses: [ip("198.51.100.7")] },
  { name: "wg0", mtu: 1420, addresses: [ip("fd00::7")] },
];

describe("chooseExternalInterface", () => {
  it.each([
    ["the default route's interface", { defaultRouteInterface: "eth0" }, "eth0", 1500, "192.0.2.10", "192.0.2.10"],
    ["--iface by name", { iface: ["eth1"], defaultRouteInterface: "eth0" }, "eth1", 9000, "198.51.100.7", "198.51.100.7"],
    ["--iface by address, that address", { iface: ["192.0.2.11"] }, "eth0", 1500, "192.0.2.11", "192.0.2.11"],
    ["the first --iface that exists", { iface: ["eth9", "eth1", "eth0"] }, "eth1", 9000, "198.51.100.7", "198.51.100.7"],
    ["--iface-regex on names", { ifaceRegex: ["^eth1$"] }, "eth1", 9000, "198.51.100.7", "198.51.100.7"],
    ["--iface-regex on addresses", { ifaceRegex: ["^192\\.0\\.2\\.11$"] }, "eth0", 1500, "192.0.2.11", "192.0.2.11"],
    ["--public-ip behind NAT", { iface: ["eth0"], publicIp: "203.0.113.5" }, "eth0", 1500, "192.0.2.10", "203.0.113.5"],
    [
      "--iface-can-reach: the route's interface and source",
      { ifaceCanReach: reach("192.0.2.1", ok({ interface: "eth0", source: ip("192.0.2.11") })) },
      "eth0",
      1500,
      "192.0.2.11",
      "192.0.2.11",
    ],
    ["--iface-can-reach without a source: the first IPv4", { ifaceCanReach: reach("198.51.100.1", ok({ interface: "eth1" })) }, "eth1", 9000, "198.51.100.7", "198.51.100.7"],
    ["--iface before --iface-can-reach", { iface: ["eth1"], ifaceCanReach: reach("192.0.2.1", ok({ interface: "eth0" })) }, "eth1", 9000, "198.51.100.7", "198.51.100.7"],
    [
      "--iface-can-reach after an --iface that is not there",
      { iface: ["eth9"], ifaceCanReach: reach("192.0.2.1", ok({ interface: "eth0" })) },
      "eth0",
      1500,
      "192.0.2.10",
      "192.0.2.10",
    ],
    [
      "--iface-can-reach over the default route",
      { ifaceCanReach: reach("192.0.2.1", ok({ interface: "eth0" })), defaultRouteInterface: "eth1" },
      "eth0",
      1500,
      "192.0.2.10",
      "192.0.2.10",
    ],
  ])("%s", (_name, options, name, mtu, ifaceAddress, publicIp) => {
    expect(chooseExternalInterface(host, options)).toEqual(ok({ name, mtu, ifaceAddress: ip4(ifaceAddress), publicIp: ip4(publicIp) }));
  });

  it("--iface-can-reach on a dual-stack network: the route's interface also gives its first global IPv6 address (flanneld v0.20.2 leaves it unset)", () => {
    const dual: HostInterface[] = [...host, { name: "eth2", mtu: 1500, addresses: [ip("fe80::20"), ip("192.0.2.20"), ip("2001:db8::20"), ip("2001:db8::21")] }];
    const chosen = chooseExternalInterface(dual, { ipv6: true, ifaceCanReach: reach("192.0.2.1", ok({ interface: "eth2", source: ip("192.0.2.20") })) });
    expect(chosen).toEqual(
      ok({ name: "eth2", mtu: 1500, ifaceAddress: ip4("192.0.2.20"), publicIp: ip4("192.0.2.20"), ifaceAddressV6: ip("2001:db8::20"), publicIpv6: ip("2001:db8::20") }),
    );
  });

  it.each([
    [{ iface: ["eth9"] }, 'no interface matches --iface ["eth9"] or --iface-regex []; interfaces: lo, eth0, eth1, wg0'],
    [{ iface: ["wg0"] }, "interface wg0 has no IPv4 address"],
    [{}, "no default route to choose the interface from: pass --iface or --public-ip with --iface"],
    [{ ifaceRegex: ["("] }, '--iface-regex "(" is not a valid regular expression'],
    [{ iface: ["eth0"], publicIp: "203.0.113.500" }, '--public-ip: invalid IP address "203.0.113.500": octet 500 is above 255'],
    [
      { ifaceCanReach: reach("203.0.113.9", err("no route to 203.0.113.9")), defaultRouteInterface: "eth0" },
      "no interface matches --iface [] or --iface-regex [] or --iface-can-reach 203.0.113.9 (no route to 203.0.113.9); interfaces: lo, eth0, eth1, wg0",
    ],
    [
      { iface: ["eth9"], ifaceCanReach: reach("203.0.113.9", ok({ interface: "tun7" })) },
      'no interface matches --iface ["eth9"] or --iface-regex [] or --iface-can-reach 203.0.113.9 (its route leaves through tun7, which is not among the interfaces); interfaces: lo, eth0, eth1, wg0',
    ],
  ])("refuses %j", (options, message) => {
    expect(chooseExternalInterface(host, options)).toEqual(err({ kind: "external-interface", message }));
  });
});
