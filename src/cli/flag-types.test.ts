import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { formatCidr } from "../subnet/cidr.ts";
import { formatIp } from "../subnet/ip.ts";
import { flagTypes, MAX_TIMER_MS, MTU_RANGE } from "./flag-types.ts";

describe("flagTypes", () => {
  it.each([
    ["68", ok(68)],
    ["1500", ok(1500)],
    ["65507", ok(65507)],
    ["67", err("is out of range: give an MTU from 68 (IPv4's minimum) to 65507 (the largest packet one UDP datagram carries)")],
    ["65508", err("is out of range: give an MTU from 68 (IPv4's minimum) to 65507 (the largest packet one UDP datagram carries)")],
    ["1e3", err("is not an integer")],
    [" 1500", err("is not an integer")],
    ["", err("is not an integer")],
  ])("mtu %j", (text, expected) => {
    expect(flagTypes.mtu.parse(text)).toEqual(expected);
  });

  it("the MTU range is IPv4's minimum to one UDP datagram", () => {
    expect(MTU_RANGE).toEqual({ min: 68, max: 65507 });
  });

  it.each([
    ["1", ok(1)],
    ["65535", ok(65535)],
    ["0", err("is not a port (1 to 65535)")],
    ["65536", err("is not a port (1 to 65535)")],
    ["-1", err("is not a port (1 to 65535)")],
    ["0x50", err("is not a port (1 to 65535)")],
  ])("port %j", (text, expected) => {
    expect(flagTypes.port.parse(text)).toEqual(expected);
  });

  it("timer seconds stop where setTimeout does", () => {
    const max = Math.floor(MAX_TIMER_MS / 1000);
    expect(flagTypes.timerSeconds(1).parse(String(max))).toEqual(ok(max));
    expect(flagTypes.timerSeconds(1).parse(String(max + 1)).isErr()).toBe(true);
    expect(flagTypes.timerSeconds(1).parse("99999999999")).toEqual(err("is out of range: give seconds from 1 to 2147483 (a timer holds at most 2^31-1 ms, about 24.8 days)"));
    expect(flagTypes.timerSeconds(1).parse("99999999999999999999")).toEqual(err("is not an integer"));
  });

  it.each([
    ["192.0.2.1", "192.0.2.1"],
    ["10.0.0.1", "10.0.0.1"],
    ["0.0.0.0", "is not a unicast address (0.0.0.0 means any address)"],
    ["255.255.255.255", "is not a unicast address (it is the broadcast address)"],
    ["224.0.0.1", "is not a unicast address (224.0.0.0 and above are multicast and reserved)"],
    ["240.0.0.1", "is not a unicast address (224.0.0.0 and above are multicast and reserved)"],
    ["::1", "is an IPv6 address; give an IPv4 address"],
    ["::ffff:10.0.0.1", "is an IPv6 address; give an IPv4 address"],
    ["010.0.0.1", 'is not an IPv4 address (octet "010" has a leading zero)'],
    ["example.com", "is not an IPv4 address (expected 4 dot-separated octets, found 2)"],
  ])("unicast IPv4 %j", (text, expected) => {
    const parsed = flagTypes.unicastIp4.parse(text);
    expect(parsed.isOk() ? formatIp(parsed.value) : parsed.error).toBe(expected);
  });

  it("a bind address may be 0.0.0.0 but not multicast", () => {
    expect(flagTypes.bindIp4.parse("0.0.0.0").map(formatIp)).toEqual(ok("0.0.0.0"));
    expect(flagTypes.bindIp4.parse("239.0.0.1").isErr()).toBe(true);
  });

  it.each([
    ["10.5.0.0/16", "10.5.0.0/16"],
    ["192.168.0.0/24", "192.168.0.0/24"],
    ["1.0.0.0/8", "1.0.0.0/8"],
    ["0.0.0.0/0", "is every IPv4 address: an overlay network must leave the host's other routes alone (e.g. 10.5.0.0/16)"],
    ["0.0.0.0/1", "overlaps this-network addresses (0.0.0.0/8); pick a private range such as 10.5.0.0/16"],
    ["127.0.0.0/8", "overlaps loopback (127.0.0.0/8); pick a private range such as 10.5.0.0/16"],
    ["128.0.0.0/1", "overlaps multicast, reserved and broadcast addresses (224.0.0.0/3); pick a private range such as 10.5.0.0/16"],
    ["239.1.0.0/16", "overlaps multicast, reserved and broadcast addresses (224.0.0.0/3); pick a private range such as 10.5.0.0/16"],
    ["fd00::/64", "is an IPv6 CIDR; give an IPv4 CIDR such as 10.5.0.0/16"],
    ["10.5.0.0/33", "is not an IPv4 CIDR (prefix length 33 is above 32)"],
  ])("overlay network %j", (text, expected) => {
    const parsed = flagTypes.overlayNetwork.parse(text);
    expect(parsed.isOk() ? formatCidr(parsed.value) : parsed.error).toBe(expected);
  });

  it.each([
    ["http://127.0.0.1:2379", ok(["http://127.0.0.1:2379"])],
    ["https://a:2379, https://b:2379,", ok(["https://a:2379", "https://b:2379"])],
    ["http://[::1]:2379", ok(["http://[::1]:2379"])],
    [",", err("has no endpoint (e.g. http://127.0.0.1:2379)")],
    ["127.0.0.1:2379", err("has an endpoint without http:// or https:// in front; give comma-separated URLs such as http://127.0.0.1:2379")],
    ["unix://x:1", err("has an endpoint that is not http:// or https://; give comma-separated URLs such as http://127.0.0.1:2379")],
    ["http://127.0.0.1", err("has an endpoint without a port; give comma-separated URLs such as http://127.0.0.1:2379")],
    ["http://127.0.0.1:2379/v2", err("has an endpoint with a path; give scheme, host and port only; give comma-separated URLs such as http://127.0.0.1:2379")],
    [
      "http://root:pw@127.0.0.1:2379",
      err("has an endpoint with a user name or password in it; give them with --etcd-username and --etcd-password; give comma-separated URLs such as http://127.0.0.1:2379"),
    ],
    ["http://[::1:2379", err("has an endpoint that is not a URL; give comma-separated URLs such as http://127.0.0.1:2379")],
  ])("etcd endpoints %j", (text, expected) => {
    expect(flagTypes.etcdEndpoints.parse(text)).toEqual(expected);
  });

  it.each([
    ["/coreos.com/network", ok("/coreos.com/network")],
    ["coreos.com/network", err("does not start with /; give a key prefix such as /coreos.com/network")],
    ["/a\u0000b", err("contains a control character")],
  ])("etcd prefix %j", (text, expected) => {
    expect(flagTypes.etcdPrefix.parse(text)).toEqual(expected);
  });

  it.each([
    ["/run/flannel/subnet.env", ok("/run/flannel/subnet.env")],
    ["/a\u0000b", err("contains a NUL character")],
    [`/${"a".repeat(4095)}`, err("is longer than a path can be (4095 bytes)")],
  ])("path %#", (text, expected) => {
    expect(flagTypes.path.parse(text)).toEqual(expected);
  });

  it("every type's parser takes any text without throwing", () => {
    const types = [
      flagTypes.text,
      flagTypes.path,
      flagTypes.shellName,
      flagTypes.port,
      flagTypes.mtu,
      flagTypes.timerSeconds(1),
      flagTypes.ip4,
      flagTypes.unicastIp4,
      flagTypes.bindIp4,
      flagTypes.listenIp,
      flagTypes.cidr4,
      flagTypes.overlayNetwork,
      flagTypes.etcdEndpoints,
      flagTypes.etcdPrefix,
      flagTypes.interfaceName,
      flagTypes.regex,
      flagTypes.choice(["a", "b"]),
    ];
    fc.assert(
      fc.property(fc.constantFrom(...types), fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.ipV4(), fc.ipV6(), fc.webUrl()), (type, text) => {
        const parsed = type.parse(text);
        if (parsed.isErr()) expect(typeof parsed.error).toBe("string");
      }),
      { numRuns: 3000 },
    );
  });
});
