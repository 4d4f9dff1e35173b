import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseCidr4, parseIp4 } from "../../subnet/index.ts";
import { type CheckedUdpEngineOptions, checkUdpEngineOptions } from "./check-udp-engine-options.ts";

const c = (text: string) => parseCidr4(text)._unsafeUnwrap();
const ip = (text: string) => parseIp4(text)._unsafeUnwrap();
const base: CheckedUdpEngineOptions = { subnet: c("10.5.1.0/24"), network: c("10.5.0.0/16"), bind: ip("192.0.2.1") };
const route = (subnet: string, peer: string, port = 8285) => ({ subnet: c(subnet), peer: ip(peer), port });

describe("checkUdpEngineOptions", () => {
  it("takes flanneld's usual values and the defaults", () => {
    expect(checkUdpEngineOptions(base)).toEqual(ok(undefined));
    expect(checkUdpEngineOptions({ ...base, device: "flannel%d", mtu: 65507, port: 1, bind: ip("0.0.0.0"), routes: [route("10.5.2.0/24", "192.0.2.2")] })).toEqual(ok(undefined));
  });

  const refused: readonly (readonly [Partial<CheckedUdpEngineOptions>, string, string, string])[] = [
    [
      { network: c("0.0.0.0/0") },
      "network",
      "0.0.0.0/0",
      "network 0.0.0.0/0 is every IPv4 address: its route would take over the default route; give the flannel network, e.g. 10.5.0.0/16",
    ],
    [{ network: c("0.0.0.0/1"), subnet: c("10.5.1.0/24") }, "network", "0.0.0.0/1", "network 0.0.0.0/1 overlaps this-network addresses (0.0.0.0/8)"],
    [{ network: c("127.0.0.0/16"), subnet: c("127.0.1.0/24") }, "network", "127.0.0.0/16", "network 127.0.0.0/16 overlaps loopback (127.0.0.0/8)"],
    [{ network: c("192.0.0.0/2"), subnet: c("200.0.1.0/24") }, "network", "192.0.0.0/2", "network 192.0.0.0/2 overlaps multicast, reserved and broadcast addresses (224.0.0.0/3)"],
    [{ subnet: c("10.6.1.0/24") }, "subnet", "10.6.1.0/24", "subnet 10.6.1.0/24 is not inside network 10.5.0.0/16"],
    [{ device: "a/b" }, "device", '"a/b"', 'device "a/b" must be 1 to 15 letters, digits, or . _ - %'],
    [{ device: "" }, "device", '""', 'device "" must be 1 to 15 letters, digits, or . _ - %'],
    [{ mtu: 67 }, "mtu", "67", "mtu 67 is not between 68 and 65507 (the largest packet one UDP datagram carries)"],
    [{ mtu: 65508 }, "mtu", "65508", "mtu 65508 is not between 68 and 65507 (the largest packet one UDP datagram carries)"],
    [{ port: 70000 }, "port", "70000", "port 70000 is not between 1 and 65535"],
    [{ port: 0 }, "port", "0", "port 0 is not between 1 and 65535"],
    [{ bind: ip("10.5.9.9") }, "bind", "10.5.9.9", "bind 10.5.9.9 is inside network 10.5.0.0/16: the underlay must lie outside the overlay"],
    [{ bind: ip("239.1.1.1") }, "bind", "239.1.1.1", "bind 239.1.1.1 is not a unicast address (multicast, reserved or broadcast)"],
    [{ routes: [route("10.6.2.0/24", "192.0.2.2")] }, "routes", "10.6.2.0/24=192.0.2.2:8285", "routes 10.6.2.0/24=192.0.2.2:8285 has a subnet outside network 10.5.0.0/16"],
    [{ routes: [route("10.5.0.0/16", "192.0.2.2")] }, "routes", "10.5.0.0/16=192.0.2.2:8285", "routes 10.5.0.0/16=192.0.2.2:8285 overlaps this host's subnet 10.5.1.0/24"],
    [
      { routes: [route("10.5.2.0/24", "0.0.0.0")] },
      "routes",
      "10.5.2.0/24=0.0.0.0:8285",
      "routes 10.5.2.0/24=0.0.0.0:8285 has a peer that is not a unicast address (0.0.0.0 (any address))",
    ],
    [
      { routes: [route("10.5.2.0/24", "10.5.3.1")] },
      "routes",
      "10.5.2.0/24=10.5.3.1:8285",
      "routes 10.5.2.0/24=10.5.3.1:8285 has a peer inside network 10.5.0.0/16: its datagrams would be routed into the TUN",
    ],
    [
      { routes: [route("10.5.2.0/24", "192.0.2.2", 65536)] },
      "routes",
      "10.5.2.0/24=192.0.2.2:65536",
      "routes 10.5.2.0/24=192.0.2.2:65536 has a port that is not between 1 and 65535",
    ],
  ];
  it.each(refused)("refuses %j", (change, option, value, message) => {
    expect(checkUdpEngineOptions({ ...base, ...change })).toEqual(err({ kind: "udp-engine-option", option, value, message }));
  });
});
