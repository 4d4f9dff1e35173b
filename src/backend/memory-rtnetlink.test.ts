import { describe, expect, it } from "vitest";
import { newAddress } from "../netlink/address-requests.ts";
import { IFF, RT_SCOPE, RT_TABLE, RTN, RTPROT } from "../netlink/constants.ts";
import { appendFdb, deleteFdb, replaceFdb } from "../netlink/fdb-requests.ts";
import type { LinkInfo } from "../netlink/link-info.ts";
import { deleteLink, newLinkVxlan, setLink } from "../netlink/link-requests.ts";
import { formatMac, parseMac } from "../netlink/mac.ts";
import { deleteNeighbour, replaceNeighbour } from "../netlink/neighbour-requests.ts";
import type { NetlinkRequest } from "../netlink/netlink-request.ts";
import { deleteRoute, newRoute, replaceRoute } from "../netlink/route-requests.ts";
import { parseCidr } from "../subnet/cidr.ts";
import { formatIp, parseIp } from "../subnet/ip.ts";
import { MemoryRtnetlink } from "./memory-rtnetlink.ts";

const eth0: LinkInfo = { index: 2, name: "eth0", type: 1, flags: IFF.UP, up: true, mtu: 1500 };
const c = (t: string) => parseCidr(t)._unsafeUnwrap();
const i = (t: string) => parseIp(t)._unsafeUnwrap();
const m = (t: string) => parseMac(t)._unsafeUnwrap();
const connected = { dst: c("192.0.2.0/24"), oif: 2, onlink: false, table: RT_TABLE.MAIN, protocol: RTPROT.KERNEL, scope: RT_SCOPE.LINK, type: RTN.UNICAST, flags: 0 };

async function errnos(kernel: MemoryRtnetlink, requests: NetlinkRequest[]): Promise<string[]> {
  const result = (await kernel.apply(requests))._unsafeUnwrap();
  return requests.map((_, index) => result.failures.find((f) => f.index === index)?.errnoName ?? "ok");
}

describe("MemoryRtnetlink", () => {
  it("answers as the kernel does: taken names, missing devices, gateways off the link, onlink through a down device, deletes of nothing", async () => {
    const kernel = new MemoryRtnetlink({ links: [eth0], routes: [connected] });
    const vx = { index: 3, name: "vx" };
    expect(
      await errnos(kernel, [
        newLinkVxlan({ name: "vx", vni: 1, port: 8472, mtu: 1450, underlay: eth0 }),
        newLinkVxlan({ name: "vx", vni: 2, port: 8472, mtu: 1450 }),
        newLinkVxlan({ name: "vy", vni: 1, port: 8472, mtu: 1450, underlay: 9 }),
        replaceRoute({ dst: c("10.5.2.0/24"), gateway: i("10.5.2.0"), oif: vx, onlink: true }),
        setLink({ link: vx, up: true }),
        replaceRoute({ dst: c("10.5.2.0/24"), gateway: i("10.5.2.0"), oif: vx, onlink: true }),
        newRoute({ dst: c("10.5.2.0/24"), gateway: i("10.5.2.0"), oif: vx, onlink: true }),
        replaceRoute({ dst: c("10.5.3.0/24"), gateway: i("198.51.100.1"), oif: eth0 }),
        replaceRoute({ dst: c("10.5.4.0/24"), gateway: i("192.0.2.4"), oif: eth0 }),
        replaceRoute({ dst: c("10.5.5.0/24"), gateway: i("192.0.2.5"), oif: 9 }),
        deleteRoute({ dst: c("10.5.9.0/24") }),
        deleteNeighbour({ link: vx, ip: i("10.5.9.0") }),
        deleteFdb({ link: vx, mac: m("0a:00:00:00:00:09") }),
        newAddress({ link: vx, address: c("10.5.1.0/32") }),
        newAddress({ link: vx, address: c("10.5.1.0/32") }),
        deleteLink(9),
      ]),
    ).toEqual(["ok", "EEXIST", "ENODEV", "ENETDOWN", "ok", "ok", "EEXIST", "ENETUNREACH", "ok", "ENODEV", "ESRCH", "ENOENT", "ENOENT", "ok", "EEXIST", "ENODEV"]);
    expect(kernel.tables.links.map((l) => [l.name, l.up, l.mtu, l.vxlan?.link])).toEqual([
      ["eth0", true, 1500, undefined],
      ["vx", true, 1450, 2],
    ]);
  });

  it("keeps one remote per MAC on replace, more on append, and takes a device's entries along when it goes", async () => {
    const kernel = new MemoryRtnetlink({ links: [eth0] });
    (await kernel.apply([newLinkVxlan({ name: "vx", vni: 1, port: 8472, mtu: 1450, up: true })]))._unsafeUnwrap();
    const vx = { index: 3, name: "vx" };
    const mac = m("0a:00:00:00:00:02");
    (
      await kernel.apply([
        replaceFdb({ link: vx, mac, dst: i("192.0.2.2") }),
        replaceFdb({ link: vx, mac, dst: i("192.0.2.3") }),
        appendFdb({ link: vx, mac, dst: i("192.0.2.4") }),
        replaceNeighbour({ link: vx, ip: i("10.5.2.0"), mac }),
        replaceNeighbour({ link: vx, ip: i("10.5.2.0"), mac: m("0a:00:00:00:00:03") }),
      ])
    )._unsafeUnwrap();
    expect(kernel.tables.fdb.map((e) => `${formatMac(e.mac)} ${formatIp(e.dst!)}`)).toEqual(["0a:00:00:00:00:02 192.0.2.3", "0a:00:00:00:00:02 192.0.2.4"]);
    expect(kernel.tables.neighbours.map((n) => `${formatIp(n.ip)} ${formatMac(n.mac!)}`)).toEqual(["10.5.2.0 0a:00:00:00:00:03"]);
    (await kernel.apply([deleteLink(vx)]))._unsafeUnwrap();
    expect({ links: kernel.tables.links.length, fdb: kernel.tables.fdb, neighbours: kernel.tables.neighbours }).toEqual({ links: 1, fdb: [], neighbours: [] });
  });
});
