import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseIp } from "../subnet/index.ts";
import { parseIpRouteJson } from "./parse-ip-route-json.ts";

const ip = (text: string) => parseIp(text)._unsafeUnwrap();

describe("parseIpRouteJson", () => {
  it("reads default routes as ip -j prints them (iproute2 6.1)", () => {
    expect(parseIpRouteJson('[{"dst":"default","gateway":"10.9.0.1","dev":"eth1","flags":["linkdown"]}]', 4)).toEqual(ok([{ family: 4, gateway: ip("10.9.0.1"), dev: "eth1" }]));
    expect(parseIpRouteJson('[{"dst":"default","gateway":"fd00:9::1","dev":"eth1","metric":1024,"flags":[],"pref":"medium"}]', 6)).toEqual(
      ok([{ family: 6, gateway: ip("fd00:9::1"), dev: "eth1", metric: 1024 }]),
    );
    expect(parseIpRouteJson('[{"dst":"default","dev":"tun0","scope":"link","flags":[]},{"dst":"10.9.0.0/24","dev":"eth1"}]', 4)).toEqual(ok([{ family: 4, dev: "tun0" }]));
    expect(parseIpRouteJson("[]", 6)).toEqual(ok([]));
  });

  it.each([
    ["{}", 4, "ip -j route printed no list of routes"],
    ["[null]", 4, "ip -j route: entry 0 is not an object"],
    ['[{"dst":"default","gateway":"fd00::1"}]', 4, 'ip -j route: entry 0: gateway "fd00::1" is not an IPv4 address'],
  ] as [string, 4 | 6, string][])("refuses %j", (text, family, message) => {
    expect(parseIpRouteJson(text, family)).toEqual(err({ kind: "ip-output", message }));
  });

  it("refuses text that is not JSON, with the parser's reason", () => {
    const parsed = parseIpRouteJson("nope", 4);
    expect(parsed.isErr() && parsed.error.message).toMatch(/^ip -j route printed no JSON: \S/);
  });
});
