import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { addr } from "../../../test/helpers/ipv4-packets.ts";
import { cidr4, ip4, parseCidr4 } from "../../subnet/index.ts";
import { parseRouteSpec } from "./parse-route-spec.ts";

const network = parseCidr4("10.5.0.0/16")._unsafeUnwrap();

describe("parseRouteSpec", () => {
  it.each([
    ["10.5.2.0/24=192.0.2.2", { subnet: cidr4(addr("10.5.2.0"), 24), peer: ip4(addr("192.0.2.2")), port: 8285 }],
    ["10.5.2.9/24=192.0.2.2:9000", { subnet: cidr4(addr("10.5.2.0"), 24), peer: ip4(addr("192.0.2.2")), port: 9000 }],
  ])("parses %s", (text, route) => {
    expect(parseRouteSpec(text, network, 8285)).toEqual(ok(route));
  });

  it.each([
    ["10.5.2.0/24", "not SUBNET=IP[:PORT] (e.g. 10.5.2.0/24=192.0.2.2)"],
    ["10.5.2.0=192.0.2.2", 'invalid CIDR "10.5.2.0": missing prefix length (/N)'],
    ["10.6.2.0/24=192.0.2.2", "10.6.2.0/24 is not inside the network 10.5.0.0/16"],
    ["10.5.2.0/24=192.0.2", 'invalid IP address "192.0.2": expected 4 dot-separated octets, found 3'],
    ["10.5.2.0/24=192.0.2.2:0", 'port "0" is not a UDP port (1 to 65535)'],
    ["10.5.2.0/24=192.0.2.2:1:2", '"192.0.2.2:1:2" is not IP or IP:PORT'],
  ])("refuses %s", (text, reason) => {
    expect(parseRouteSpec(text, network, 8285)).toEqual(err({ kind: "invalid-route", input: text, message: `route "${text}": ${reason}` }));
  });
});
