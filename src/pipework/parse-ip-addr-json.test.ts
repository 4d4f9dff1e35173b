import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseCidr } from "../subnet/index.ts";
import { parseIpAddrJson } from "./parse-ip-addr-json.ts";

const cidr = (text: string) => parseCidr(text)._unsafeUnwrap();

// `ip -d -j addr show` in a namespace with a veth end from flannel-ts
// pipework (iproute2 6.1), shortened to the fields that matter plus a few
// that do not.
const container = JSON.stringify([
  { ifindex: 1, ifname: "lo", flags: ["LOOPBACK"], mtu: 65536, qdisc: "noop", operstate: "DOWN", link_type: "loopback", address: "00:00:00:00:00:00", addr_info: [] },
  {
    ifindex: 100,
    link_index: 101,
    ifname: "eth1",
    flags: ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"],
    mtu: 1400,
    operstate: "UP",
    link_type: "ether",
    address: "1E:57:4f:f0:4f:28",
    link_netnsid: 0,
    linkinfo: { info_kind: "veth" },
    ifalias: "flannel-ts pipework",
    addr_info: [
      { family: "inet", local: "10.9.0.2", prefixlen: 24, broadcast: "10.9.0.255", scope: "global", label: "eth1" },
      { family: "inet6", local: "fd00:9::2", prefixlen: 64, scope: "global", tentative: true },
      { family: "inet6", local: "fd00:9::3", prefixlen: 64, scope: "global", dadfailed: true, tentative: true },
      { family: "inet6", local: "fe80::1c57:4fff:fef0:4f28", prefixlen: 64, scope: "link" },
      {},
    ],
  },
]);

const host = JSON.stringify([
  {
    ifindex: 44,
    ifname: "pwbr0",
    flags: ["BROADCAST", "MULTICAST"],
    mtu: 1500,
    link_type: "ether",
    address: "6a:1e:97:ff:4c:ad",
    linkinfo: { info_kind: "bridge", info_data: { stp_state: 0 } },
    ifalias: "flannel-ts pipework",
    addr_info: [],
  },
  {
    ifindex: 46,
    link_index: 45,
    ifname: "fpaaaa",
    flags: ["BROADCAST", "MULTICAST", "UP"],
    mtu: 1400,
    master: "pwbr0",
    link_type: "ether",
    address: "6a:1e:97:ff:4c:ad",
    link_netnsid: 0,
    linkinfo: { info_kind: "veth", info_slave_kind: "bridge" },
  },
  {
    ifindex: 7,
    ifname: "flannel0",
    flags: ["POINTOPOINT", "UP"],
    mtu: 1472,
    link_type: "none",
    linkinfo: { info_kind: "tun" },
    addr_info: [{ family: "inet", local: "172.20.59.0", prefixlen: 32 }],
  },
]);

describe("parseIpAddrJson", () => {
  it("reads a container's interfaces: kind, veth peer, MAC in lower case, UP, alias, addresses with their DAD state", () => {
    expect(parseIpAddrJson(container)).toEqual(
      ok([
        { index: 1, name: "lo", mtu: 65536, up: false, addresses: [] },
        {
          index: 100,
          name: "eth1",
          kind: "veth",
          peerIndex: 101,
          mtu: 1400,
          mac: "1e:57:4f:f0:4f:28",
          up: true,
          alias: "flannel-ts pipework",
          addresses: [
            { cidr: cidr("10.9.0.2/24"), tentative: false, dadFailed: false },
            { cidr: cidr("fd00:9::2/64"), tentative: true, dadFailed: false },
            { cidr: cidr("fd00:9::3/64"), tentative: true, dadFailed: true },
            { cidr: cidr("fe80::1c57:4fff:fef0:4f28/64"), tentative: false, dadFailed: false },
          ],
        },
      ]),
    );
  });

  it("reads the host's: a bridge, its veth port, a TUN device without a MAC", () => {
    expect(parseIpAddrJson(host)).toEqual(
      ok([
        { index: 44, name: "pwbr0", kind: "bridge", mtu: 1500, mac: "6a:1e:97:ff:4c:ad", up: false, alias: "flannel-ts pipework", addresses: [] },
        { index: 46, name: "fpaaaa", kind: "veth", master: "pwbr0", peerIndex: 45, mtu: 1400, mac: "6a:1e:97:ff:4c:ad", up: true, addresses: [] },
        { index: 7, name: "flannel0", kind: "tun", mtu: 1472, up: true, addresses: [{ cidr: cidr("172.20.59.0/32"), tentative: false, dadFailed: false }] },
      ]),
    );
  });

  it.each([
    ['{"ifindex":1}', "ip -j addr printed no list of interfaces"],
    ["[1]", "ip -j addr: entry 0 is not an object"],
    ['[{"ifindex":1,"ifname":"lo","flags":[]}]', "ip -j addr: entry 0 lacks ifindex, ifname, mtu or flags"],
  ])("refuses %j", (text, message) => {
    expect(parseIpAddrJson(text)).toEqual(err({ kind: "ip-output", message }));
  });

  it("refuses text that is not JSON, with the parser's reason", () => {
    const parsed = parseIpAddrJson("");
    expect(parsed.isErr() && parsed.error.message).toMatch(/^ip -j addr printed no JSON: \S/);
  });
});
