import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { expectDecoded } from "../../test/helpers/netlink-kernel.ts";
import { bytesHex, CAPTURED, hexBytes, seqOf } from "../../test/helpers/netlink-captures.ts";
import { cidr4, cidr6, parseCidr } from "../subnet/cidr.ts";
import { ip4, ip6, parseIp } from "../subnet/ip.ts";
import { NLM_F, RT_SCOPE, RT_TABLE, RTM, RTN, RTNH_F, RTPROT } from "./constants.ts";
import { malformed } from "./decode-error.ts";
import { encodeRequest, type NetlinkRequest } from "./netlink-request.ts";
import { type NetlinkMessage, parseMessages } from "./netlink-message.ts";
import { decodeRoute, type RouteInfo } from "./route-info.ts";
import { deleteRoute, dumpRoutes, formatRoute, newRoute, replaceRoute } from "./route-requests.ts";

const cidr = (text: string) => parseCidr(text)._unsafeUnwrap();
const ip = (text: string) => parseIp(text)._unsafeUnwrap();
const messages = (bytes: Uint8Array): NetlinkMessage[] => parseMessages(bytes)._unsafeUnwrap();
const nlv1 = { index: 4, name: "nlv1" };

describe("route requests: the bytes iproute2 sends", () => {
  it.each<[string, NetlinkRequest, string]>([
    [
      "ip route replace 10.5.2.0/24 via 10.5.2.0 dev nlv1 onlink",
      replaceRoute({ dst: cidr("10.5.2.0/24"), gateway: ip("10.5.2.0"), oif: nlv1, onlink: true }),
      CAPTURED.replaceRoute4,
    ],
    [
      "ip -6 route replace fd10:0:0:2::/64 via fd10:0:0:2:: dev nlv6 onlink",
      replaceRoute({ dst: cidr("fd10:0:0:2::/64"), gateway: ip("fd10:0:0:2::"), oif: 5, onlink: true }),
      CAPTURED.replaceRoute6,
    ],
    ["ip route del 10.5.2.0/24 via 10.5.2.0 dev nlv1", deleteRoute({ dst: cidr("10.5.2.0/24"), gateway: ip("10.5.2.0"), oif: nlv1 }), CAPTURED.deleteRoute4],
    ["ip route add 10.9.0.0/24 via 10.9.9.9", newRoute({ dst: cidr("10.9.0.0/24"), gateway: ip("10.9.9.9") }), CAPTURED.addRouteMissingGateway],
    ["ip route show dev nlv1 (the dump request)", dumpRoutes({ family: 4, table: RT_TABLE.MAIN, oif: 4 }), CAPTURED.dumpRoutes4Main4],
    ["ip -6 route show dev nlv6 (the dump request)", dumpRoutes({ family: 6, table: RT_TABLE.MAIN, oif: 5 }), CAPTURED.dumpRoutes6Main5],
  ])("%s", (_, request, captured) => {
    expect(bytesHex(encodeRequest(request, seqOf(captured)))).toBe(captured);
  });

  it("describes them, with the flags each sends", () => {
    const flannel1 = { index: 7, name: "flannel.1" };
    expect(
      [
        replaceRoute({ dst: cidr("10.5.2.0/24"), gateway: ip("10.5.2.0"), oif: flannel1, onlink: true }),
        newRoute({ dst: cidr("10.5.0.0/16"), oif: flannel1, table: 300, priority: 10, prefsrc: ip("10.5.1.0") }),
        newRoute({ dst: cidr("0.0.0.0/0"), type: RTN.BLACKHOLE }),
        deleteRoute({ dst: cidr("10.5.2.0/24"), gateway: ip("10.5.2.0"), oif: flannel1, onlink: true }),
        dumpRoutes({ family: 6 }),
      ].map((r) => [r.type, r.flags, r.description]),
    ).toEqual([
      [RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.REPLACE, "replace route 10.5.2.0/24 via 10.5.2.0 dev flannel.1 onlink"],
      [RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, "add route 10.5.0.0/16 dev flannel.1 table 300 metric 10 src 10.5.1.0"],
      [RTM.NEWROUTE, NLM_F.REQUEST | NLM_F.ACK | NLM_F.CREATE | NLM_F.EXCL, "add route blackhole 0.0.0.0/0"],
      [RTM.DELROUTE, NLM_F.REQUEST | NLM_F.ACK, "delete route 10.5.2.0/24 via 10.5.2.0 dev flannel.1"],
      [RTM.GETROUTE, NLM_F.REQUEST | NLM_F.DUMP, "dump IPv6 routes"],
    ]);
  });
});

describe("decodeRoute, on the kernel's dump replies as captured", () => {
  it("reads flannel's kind of route", () => {
    expect(messages(hexBytes(CAPTURED.routeDump4)).map(decodeRoute)).toEqual([
      ok({
        dst: cidr("10.5.2.0/24"),
        gateway: ip("10.5.2.0"),
        oif: 4,
        onlink: true,
        table: RT_TABLE.MAIN,
        protocol: RTPROT.BOOT,
        scope: RT_SCOPE.UNIVERSE,
        type: RTN.UNICAST,
        flags: RTNH_F.ONLINK,
      }),
    ]);
  });

  it("reads IPv6 routes with their metrics", () => {
    const kernel = { onlink: false, table: RT_TABLE.MAIN, protocol: RTPROT.KERNEL, scope: RT_SCOPE.UNIVERSE, type: RTN.UNICAST, priority: 256, flags: 0 };
    expect(messages(hexBytes(CAPTURED.routeDump6)).map(decodeRoute)).toEqual([
      ok({ dst: cidr("fd10:0:0:1::/128"), oif: 5, ...kernel }),
      ok({
        dst: cidr("fd10:0:0:2::/64"),
        gateway: ip("fd10:0:0:2::"),
        oif: 5,
        onlink: true,
        table: RT_TABLE.MAIN,
        protocol: RTPROT.BOOT,
        scope: RT_SCOPE.UNIVERSE,
        type: RTN.UNICAST,
        priority: 1024,
        flags: RTNH_F.ONLINK,
      }),
      ok({ dst: cidr("fe80::/64"), oif: 5, ...kernel }),
    ]);
  });

  it("keeps only what the dump's filter asks for", () => {
    const routes = messages(hexBytes(CAPTURED.routeDump6));
    const keep = (filter: Parameters<typeof dumpRoutes>[0]): string[] => routes.flatMap((m) => dumpRoutes(filter).decode(m)._unsafeUnwrap() ?? []).map((r) => formatRoute(r));
    expect(keep({ family: 6, oif: 5 })).toEqual([
      "fd10:0:0:1::/128 dev ifindex 5 metric 256",
      "fd10:0:0:2::/64 via fd10:0:0:2:: dev ifindex 5 metric 1024 onlink",
      "fe80::/64 dev ifindex 5 metric 256",
    ]);
    expect(keep({ family: 6, oif: 4 })).toEqual([]);
    expect(keep({ family: 6, table: RT_TABLE.LOCAL })).toEqual([]);
    expect(keep({ family: 4 })).toEqual([]);
  });

  const routeSpec = fc.oneof(
    fc.record({
      dst: fc.tuple(fc.nat({ max: 0xffffffff }), fc.integer({ min: 1, max: 32 })).map(([a, p]) => cidr4(a, p)),
      gateway: fc.option(fc.nat({ max: 0xffffffff }).map(ip4), { nil: undefined }),
    }),
    fc.record({
      dst: fc.tuple(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.integer({ min: 1, max: 128 })).map(([a, p]) => cidr6(a, p)),
      gateway: fc.option(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map(ip6), { nil: undefined }),
    }),
  );

  it("reads back every route request it encodes (a request has the kernel's layout)", () => {
    fc.assert(
      fc.property(
        routeSpec,
        fc.integer({ min: 1, max: 0x7fffffff }),
        fc.boolean(),
        fc.constantFrom(RT_TABLE.MAIN, RT_TABLE.LOCAL, 300, 0xfffffff0),
        fc.option(fc.nat({ max: 0xffffffff }), { nil: undefined }),
        ({ dst, gateway }, oif, onlink, table, priority) => {
          const [message] = messages(
            encodeRequest(replaceRoute({ dst, ...(gateway === undefined ? {} : { gateway }), oif, onlink, table, ...(priority === undefined ? {} : { priority }) }), 1),
          );
          const expected: RouteInfo = {
            dst,
            ...(gateway === undefined ? {} : { gateway }),
            oif,
            onlink,
            table,
            protocol: RTPROT.BOOT,
            scope: gateway === undefined ? RT_SCOPE.LINK : RT_SCOPE.UNIVERSE,
            type: RTN.UNICAST,
            ...(priority === undefined ? {} : { priority }),
            flags: onlink ? RTNH_F.ONLINK : 0,
          };
          expect(decodeRoute(message!)).toEqual(ok(expected));
        },
      ),
    );
  });

  it("never throws on random bytes, and refuses what cannot be a route", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (payload) => {
      expectDecoded(decodeRoute({ type: RTM.NEWROUTE, flags: 0, seq: 0, pid: 0, payload, offset: 0 }));
    }));
    const tooLong = hexBytes(CAPTURED.routeDump4);
    tooLong[17] = 33;
    expect(decodeRoute(messages(tooLong)[0]!)).toEqual(err(malformed("rtmsg", 17, "destination length 33 is too long for IPv4")));
  });
});
