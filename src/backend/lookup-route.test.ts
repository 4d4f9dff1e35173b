import { describe, expect, it } from "vitest";
import { RT_SCOPE, RT_TABLE, RTN, RTPROT } from "../netlink/constants.ts";
import type { RouteInfo } from "../netlink/route-info.ts";
import { formatRoute } from "../netlink/route-requests.ts";
import { parseCidr } from "../subnet/cidr.ts";
import { parseIp } from "../subnet/ip.ts";
import { lookupRoute } from "./lookup-route.ts";

function route(dst: string, oif: number, options: { gateway?: string; priority?: number; type?: number } = {}): RouteInfo {
  return {
    dst: parseCidr(dst)._unsafeUnwrap(),
    ...(options.gateway === undefined ? {} : { gateway: parseIp(options.gateway)._unsafeUnwrap() }),
    oif,
    onlink: false,
    table: RT_TABLE.MAIN,
    protocol: RTPROT.BOOT,
    scope: options.gateway === undefined ? RT_SCOPE.LINK : RT_SCOPE.UNIVERSE,
    type: options.type ?? RTN.UNICAST,
    ...(options.priority === undefined ? {} : { priority: options.priority }),
    flags: 0,
  };
}

const table = [
  route("0.0.0.0/0", 2, { gateway: "192.0.2.254" }),
  route("192.0.2.0/24", 2),
  route("198.51.100.0/24", 3, { priority: 200 }),
  route("198.51.100.0/24", 4, { priority: 100 }),
  route("203.0.113.0/24", 2, { type: RTN.MULTICAST }),
  route("fd00:9::/64", 2),
];

describe("lookupRoute", () => {
  it.each([
    ["192.0.2.7", "192.0.2.0/24 dev ifindex 2"],
    ["8.8.8.8", "0.0.0.0/0 via 192.0.2.254 dev ifindex 2"],
    ["198.51.100.9", "198.51.100.0/24 dev ifindex 4 metric 100"],
    ["203.0.113.1", "0.0.0.0/0 via 192.0.2.254 dev ifindex 2"],
    ["fd00:9::2", "fd00:9::/64 dev ifindex 2"],
    ["fd00:8::2", undefined],
  ])("the route to %s is %s", (ip, expected) => {
    const found = lookupRoute(table, parseIp(ip)._unsafeUnwrap());
    expect(found === undefined ? undefined : formatRoute(found)).toBe(expected);
  });
});
