import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { expectDecoded } from "../../test/helpers/netlink-kernel.ts";
import { CAPTURED, hexBytes } from "../../test/helpers/netlink-captures.ts";
import { type Ip4, type Ip6, parseIp } from "../subnet/ip.ts";
import { IF_OPER, IFF } from "./constants.ts";
import { malformed, truncated } from "./decode-error.ts";
import { decodeLink, type LinkInfo } from "./link-info.ts";
import { newLinkVxlan } from "./link-requests.ts";
import { parseMac } from "./mac.ts";
import { encodeRequest } from "./netlink-request.ts";
import { type NetlinkMessage, parseMessages } from "./netlink-message.ts";

const first = (bytes: Uint8Array): NetlinkMessage => parseMessages(bytes)._unsafeUnwrap()[0]!;
const mac = (text: string) => parseMac(text)._unsafeUnwrap();
const UP = IFF.UP | IFF.BROADCAST | IFF.RUNNING | IFF.MULTICAST | IFF.LOWER_UP;

describe("decodeLink, on the kernel's replies as captured", () => {
  it.each<[string, string, LinkInfo]>([
    [
      "a VXLAN device over IPv4 with an underlay device",
      CAPTURED.getLinkReplyVxlan4,
      {
        index: 4,
        name: "nlv1",
        type: 1,
        flags: UP,
        up: true,
        mtu: 1450,
        mac: mac("9a:f9:8e:94:2d:71"),
        operstate: IF_OPER.UNKNOWN,
        kind: "vxlan",
        vxlan: { id: 1, local: parseIp("192.0.2.1")._unsafeUnwrap() as Ip4, port: 8472, learning: false, gbp: false, link: 3 },
      },
    ],
    [
      "a VXLAN device over IPv6 with GBP",
      CAPTURED.getLinkReplyVxlan6,
      {
        index: 5,
        name: "nlv6",
        type: 1,
        flags: UP,
        up: true,
        mtu: 1500,
        mac: mac("6e:74:b6:84:5a:00"),
        operstate: IF_OPER.UNKNOWN,
        kind: "vxlan",
        vxlan: { id: 2, local6: parseIp("2001:db8::1")._unsafeUnwrap() as Ip6, port: 8472, learning: false, gbp: true },
      },
    ],
    [
      "a veth device",
      CAPTURED.getLinkReplyVeth,
      { index: 3, name: "nlu0", type: 1, flags: UP, up: true, mtu: 1500, mac: mac("72:f2:c8:df:e8:ef"), operstate: IF_OPER.UP, link: 2, kind: "veth" },
    ],
  ])("reads %s", (_, hex, link) => {
    expect(decodeLink(first(hexBytes(hex)))).toEqual(ok(link));
  });

  it("refuses a reply without MTU (a request is not a device) and one cut short", () => {
    expect(decodeLink(first(encodeRequest(newLinkVxlan({ name: "nlv1", vni: 1 }), 1)))).toEqual(err(malformed("ifinfomsg", 16, "device nlv1 has no IFLA_MTU")));
    const cut = hexBytes(CAPTURED.getLinkReplyVxlan4).slice(0, 30);
    new DataView(cut.buffer).setUint32(0, 30, true);
    expect(decodeLink(first(cut))).toEqual(err(truncated("ifinfomsg", 16, 16, 14)));
  });

  it("refuses other message types", () => {
    expect(decodeLink(first(hexBytes(CAPTURED.routeDump4)))).toEqual(err(malformed("ifinfomsg", 0, "message type 24 is not RTM_NEWLINK or RTM_DELLINK")));
  });

  it("never throws on random bytes after a link header, or on random cuts of a real reply", () => {
    const real = hexBytes(CAPTURED.getLinkReplyVxlan4);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: real.length }), fc.nat({ max: real.length - 1 }), fc.nat({ max: 255 }), (payload, cut, at, value) => {
        expectDecoded(decodeLink({ type: 16, flags: 0, seq: 0, pid: 0, payload, offset: 0 }));
        const damaged = real.slice(0, Math.max(cut, 16));
        damaged[Math.min(at, damaged.length - 1)] = value;
        const view = new DataView(damaged.buffer);
        view.setUint32(0, damaged.length, true);
        view.setUint16(4, 16, true);
        const messages = parseMessages(damaged);
        expectDecoded(messages);
        if (messages.isOk() && messages.value[0] !== undefined) expectDecoded(decodeLink(messages.value[0]));
      }),
    );
  });
});
