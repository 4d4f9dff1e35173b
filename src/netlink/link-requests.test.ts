import { describe, expect, it } from "vitest";
import { bytesHex, CAPTURED, seqOf } from "../../test/helpers/netlink-captures.ts";
import { parseIp } from "../subnet/ip.ts";
import { IFF, NLM_F, RTM } from "./constants.ts";
import { deleteLink, dumpLinks, getLink, newLinkVxlan, setLink } from "./link-requests.ts";
import { parseMac } from "./mac.ts";
import { encodeRequest, type NetlinkRequest } from "./netlink-request.ts";

const ip = (text: string) => parseIp(text)._unsafeUnwrap();
const nlv1 = { index: 4, name: "nlv1" };

describe("link requests: the bytes iproute2 sends", () => {
  it.each<[string, NetlinkRequest, string]>([
    [
      "ip link add nlv1 type vxlan id 1 local 192.0.2.1 dstport 8472 nolearning dev nlu0",
      newLinkVxlan({ name: "nlv1", vni: 1, local: ip("192.0.2.1"), port: 8472, underlay: 3 }),
      CAPTURED.newLinkVxlan4,
    ],
    [
      "ip link add nlv6 type vxlan id 2 local 2001:db8::1 dstport 8472 nolearning gbp",
      newLinkVxlan({ name: "nlv6", vni: 2, local: ip("2001:db8::1"), port: 8472, gbp: true }),
      CAPTURED.newLinkVxlan6,
    ],
    ["ip link set nlv1 up", setLink({ link: nlv1, up: true }), CAPTURED.setLinkUp],
    ["ip link set nlv1 mtu 1450", setLink({ link: nlv1, mtu: 1450 }), CAPTURED.setLinkMtu],
    ["ip link del nlv1", deleteLink(nlv1), CAPTURED.deleteLink],
  ])("%s", (_, request, captured) => {
    expect(bytesHex(encodeRequest(request, seqOf(captured)))).toBe(captured);
  });
});

describe("link requests: descriptions and flags", () => {
  it("says what each request does, in ip's words", () => {
    const mac = parseMac("be:45:e5:5e:b1:4e")._unsafeUnwrap();
    expect(
      [
        newLinkVxlan({ name: "flannel.1", vni: 1, local: ip("192.0.2.1"), underlay: { index: 2, name: "eth0" }, learning: true, mtu: 1450, mac, up: true }),
        newLinkVxlan({ name: "flannel-v6.1", vni: 1, local: ip("fd00:9::1"), gbp: true }),
        setLink({ link: 7, up: false }),
        setLink({ link: nlv1, mac }),
        getLink(7),
        dumpLinks(),
      ].map((r) => [r.type, r.flags, r.description]),
    ).toEqual([
      [RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, "add vxlan link flannel.1 id 1 local 192.0.2.1 learning dev eth0 mtu 1450 address be:45:e5:5e:b1:4e up"],
      [RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, "add vxlan link flannel-v6.1 id 1 local fd00:9::1 nolearning gbp"],
      [RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK, "set link ifindex 7 down"],
      [RTM.NEWLINK, NLM_F.REQUEST | NLM_F.ACK, "set link nlv1 address be:45:e5:5e:b1:4e"],
      [RTM.GETLINK, NLM_F.REQUEST, "get link ifindex 7"],
      [RTM.GETLINK, NLM_F.REQUEST | NLM_F.DUMP, "dump links"],
    ]);
  });

  it("sets IFF_UP in the change mask only when up or down is asked for", () => {
    const flagsAndChange = (r: NetlinkRequest): [number, number] => {
      const view = new DataView(r.payload.buffer);
      return [view.getUint32(8, true), view.getUint32(12, true)];
    };
    expect([setLink({ link: 7, up: true }), setLink({ link: 7, up: false }), setLink({ link: 7, mtu: 1400 })].map(flagsAndChange)).toEqual([
      [IFF.UP, IFF.UP],
      [0, IFF.UP],
      [0, 0],
    ]);
  });

  it("refuses a VNI above 24 bits", () => {
    expect(() => newLinkVxlan({ name: "x", vni: 1 << 24 })).toThrow(RangeError);
  });
});
