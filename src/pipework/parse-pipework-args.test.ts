import fc from "fast-check";
import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseCidr, parseIp } from "../subnet/index.ts";
import { parsePipeworkArgs } from "./parse-pipework-args.ts";

const cidr = (text: string) => parseCidr(text)._unsafeUnwrap();
const ip = (text: string) => parseIp(text)._unsafeUnwrap();
const invalid = (argument: string, value: string, reason: string) => ({ kind: "invalid-argument", argument, value, reason, message: `${argument} "${value}": ${reason}` });

describe("parsePipeworkArgs", () => {
  it.each([
    [["br1", "web", "10.9.0.2/24"], { action: "add", bridge: "br1", containerInterface: "eth1", container: "web", address: { address: cidr("10.9.0.2/24") } }],
    [
      ["docker0", "-i", "eth2", "web", "172.20.59.200/24@172.20.59.1", "02:42:AC:14:3B:C8"],
      {
        action: "add",
        bridge: "docker0",
        containerInterface: "eth2",
        container: "web",
        address: { address: cidr("172.20.59.200/24"), gateway: ip("172.20.59.1") },
        mac: "02:42:ac:14:3b:c8",
      },
    ],
    [["--mtu", "1400", "br1", "web", "10.9.0.2/24", "-i=data"], {
      action: "add",
      bridge: "br1",
      containerInterface: "data",
      container: "web",
      address: { address: cidr("10.9.0.2/24") },
      mtu: 1400,
    }],
    [["br1", "--interface", "eth3", "--mtu=9000", "45ab2b0db5bc", "fd00:9::2/64@fe80::1"], {
      action: "add",
      bridge: "br1",
      containerInterface: "eth3",
      container: "45ab2b0db5bc",
      address: { address: cidr("fd00:9::2/64"), gateway: ip("fe80::1") },
      mtu: 9000,
    }],
    [["br1", "/web", "10.9.0.2/24"], { action: "add", bridge: "br1", containerInterface: "eth1", container: "web", address: { address: cidr("10.9.0.2/24") } }],
    [["br1", "--", "web", "10.9.0.2/24"], { action: "add", bridge: "br1", containerInterface: "eth1", container: "web", address: { address: cidr("10.9.0.2/24") } }],
    [["--remove", "br1", "web"], { action: "remove", bridge: "br1", containerInterface: "eth1", container: "web" }],
    [["br1", "web", "10.9.0.2/24", "02:00:00:00:00:01", "--remove"], {
      action: "remove",
      bridge: "br1",
      containerInterface: "eth1",
      container: "web",
      address: { address: cidr("10.9.0.2/24") },
      mac: "02:00:00:00:00:01",
    }],
  ])("reads %j", (argv, request) => {
    expect(parsePipeworkArgs(argv)).toEqual(ok(request));
  });

  it.each([
    [[], { kind: "missing-argument", argument: "<host-bridge>", message: "missing <host-bridge>" }],
    [["br1"], { kind: "missing-argument", argument: "<container>", message: "missing <container> (a name or ID)" }],
    [["br1", "web"], { kind: "missing-argument", argument: "<address>", message: "missing <address>/<prefix>[@<gateway>], e.g. 10.9.0.2/24" }],
    [["br1", "web", "10.9.0.2/24", "02:00:00:00:00:01", "extra"], { kind: "unexpected-argument", argument: "extra", message: 'unexpected argument "extra" after <mac>' }],
    [["br1", "-l", "veth0", "web", "10.9.0.2/24"], { kind: "unknown-flag", argument: "-l", message: "unknown flag -l" }],
    [["br1", "web", "10.9.0.2/24", "--json"], { kind: "unknown-flag", argument: "--json", message: "unknown flag --json" }],
    [["br1", "web", "10.9.0.2/24", "-i"], { kind: "missing-flag-value", argument: "-i", message: "-i needs a value" }],
    [["br1", "web", "10.9.0.2/24", "--mtu="], { kind: "missing-flag-value", argument: "--mtu", message: "--mtu needs a value" }],
    [["br1", "-i", "a", "-i", "b", "web", "10.9.0.2/24"], { kind: "repeated-flag", argument: "-i", message: "-i is given twice" }],
    [["br1", "--remove", "--remove", "web"], { kind: "repeated-flag", argument: "--remove", message: "--remove is given twice" }],
    [["br1", "--remove=yes", "web"], { kind: "unexpected-argument", argument: "--remove=yes", message: "--remove takes no value" }],
    [["a-very-long-bridge", "web", "10.9.0.2/24"], invalid("<host-bridge>", "a-very-long-bridge", "18 bytes, at most 15")],
    [["br1", "-i", "eth1:0", "web", "10.9.0.2/24"], invalid("-i", "eth1:0", 'character ":" is not allowed (use letters, digits, "_", "." and "-")')],
    [["br1", "we b", "10.9.0.2/24"], invalid("<container>", "we b", 'not a container name or ID (letters, digits, "_", "." and "-", starting with a letter or digit)')],
    [["br1", "web", "10.9.0.2/33"], invalid("<address>", "10.9.0.2/33", "prefix length 33 is above 32")],
    [["br1", "web", "10.9.0.2"], invalid("<address>", "10.9.0.2", "no prefix length: write it as 10.9.0.2/24, or with the prefix of your network")],
    [
      ["br1", "web", "10.9.0.2/24", "01:00:5e:00:00:01"],
      invalid("<mac>", "01:00:5e:00:00:01", "it is a multicast address (the first octet is odd); an interface needs a unicast one, e.g. with 02 as the first octet"),
    ],
    [["br1", "web", "10.9.0.2/24", "--mtu", "67"], invalid("--mtu", "67", "outside 68 to 65535")],
    [["br1", "web", "10.9.0.2/24", "--mtu", "65536"], invalid("--mtu", "65536", "outside 68 to 65535")],
    [["br1", "web", "10.9.0.2/24", "--mtu", "1e3"], invalid("--mtu", "1e3", "not a whole number of bytes")],
    [["br1", "web", "fd00::2/64", "--mtu", "1200"], invalid("--mtu", "1200", "IPv6 needs an MTU of at least 1280")],
  ])("refuses %j", (argv, error) => {
    expect(parsePipeworkArgs(argv)).toEqual(err(error));
  });

  it("never throws: any argv gives a request or a typed error naming an argument", () => {
    const word = fc.oneof(
      fc.constantFrom(
        "-i",
        "--mtu",
        "--remove",
        "--",
        "-",
        "--interface",
        "br1",
        "web",
        "eth1",
        "10.9.0.2/24",
        "fd00::2/64@fe80::1",
        "02:42:ac:11:00:02",
        "1500",
        "--mtu=9000",
        "-i=eth2",
      ),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.array(word, { maxLength: 8 }), (argv) => {
        const parsed = parsePipeworkArgs(argv);
        if (parsed.isOk()) {
          expect(["add", "remove"]).toContain(parsed.value.action);
        } else {
          expect(parsed.error.message).not.toBe("");
          expect(typeof parsed.error.argument).toBe("string");
        }
      }),
      { numRuns: 2000 },
    );
  });
});
