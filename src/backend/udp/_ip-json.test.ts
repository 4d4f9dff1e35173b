import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseIpAddrs, parseIpLinks, parseIpRoutes } from "./_ip-json.ts";

// Outputs of iproute2 6.1 (Debian 12) for a persistent TUN in a namespace.
const LINK =
  `[{"ifindex":2,"ifname":"ustun0","flags":["NO-CARRIER","POINTOPOINT","MULTICAST","NOARP","UP"],"mtu":1500,"qdisc":"pfifo_fast","operstate":"DOWN","linkmode":"DEFAULT","group":"default","txqlen":500,"link_type":"none","promiscuity":0,"allmulti":0,"min_mtu":68,"max_mtu":65535,"linkinfo":{"info_kind":"tun","info_data":{"type":"tun","pi":false,"vnet_hdr":false,"multi_queue":false,"persist":true}},"inet6_addr_gen_mode":"eui64","num_tx_queues":1,"num_rx_queues":1,"gso_max_size":65536,"gso_max_segs":65535}]`;
const ADDR =
  `[{"ifindex":2,"ifname":"ustun0","flags":["UP"],"mtu":1500,"addr_info":[{"family":"inet","local":"10.9.0.1","prefixlen":32,"scope":"global","label":"ustun0"},{"family":"inet6","local":"fe80::1","prefixlen":64}]}]`;
const ROUTE = `[{"dst":"10.9.0.0/16","dev":"ustun0","scope":"link","flags":["linkdown"]},{"type":"blackhole","dst":"10.8.0.0/16","flags":[]}]`;

describe("ip -j readers", () => {
  it("read what iproute2 writes", () => {
    expect(parseIpLinks(LINK)).toEqual(ok([{ ifindex: 2, name: "ustun0", mtu: 1500, up: true, kind: "tun", persist: true, addrGenMode: "eui64" }]));
    expect(parseIpLinks(`[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK"],"mtu":65536}]`)).toEqual(
      ok([{ ifindex: 1, name: "lo", mtu: 65536, up: false, kind: undefined, persist: false, addrGenMode: undefined }]),
    );
    expect(parseIpAddrs(ADDR)).toEqual(ok(["10.9.0.1/32"]));
    expect(parseIpRoutes(ROUTE)).toEqual(ok([{ dst: "10.9.0.0/16", dev: "ustun0", type: "unicast" }, { dst: "10.8.0.0/16", dev: undefined, type: "blackhole" }]));
    expect(parseIpRoutes("")).toEqual(ok([]));
  });

  it("refuse what iproute2 does not write", () => {
    expect(parseIpLinks("Device not found")).toEqual(err("ip link: the output of ip is not JSON"));
    expect(parseIpLinks(`[{"ifname":"x"}]`)).toEqual(err("ip link: a device without ifindex, ifname, mtu or flags"));
    expect(parseIpAddrs(`{"a":1}`)).toEqual(err("ip addr: the output of ip is not a JSON array of objects"));
    expect(parseIpRoutes(`[{"dev":"x"}]`)).toEqual(err("ip route: a route without dst"));
  });
});
