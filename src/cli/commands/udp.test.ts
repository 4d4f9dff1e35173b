import { describe, expect, it } from "vitest";
import { runCaptured } from "../_run-captured.ts";
import command from "./udp.ts";

const run = (...argv: string[]) => runCaptured(command, argv);

const base = ["--tun", "fl0", "--subnet", "10.5.1.0/24", "--network", "10.5.0.0/16", "--bind", "192.0.2.1"];

describe("flannel-ts udp: flags (the engine itself is tested in test/integration/udp-*.test.ts)", () => {
  it.each([
    [["--subnet", "10.5.1.0/24", "--network", "10.5.0.0/16"], "--bind is required: the underlay address to bind the UDP port to (0.0.0.0 for every address)"],
    [["--network", "10.5.0.0/16", "--bind", "192.0.2.1"], "--subnet is required: this host's subnet, e.g. 10.5.1.0/24"],
    [[...base, "--bogus"], 'unknown flag "--bogus"; run flannel-ts udp --help for the list'],
    [[...base.slice(0, 3), "10.5.1.0", ...base.slice(4)], '--subnet: "10.5.1.0" is not an IPv4 CIDR (missing prefix length (/N))'],
    [[...base.slice(0, 3), "10.6.1.0/24", ...base.slice(4)], "--subnet 10.6.1.0/24 is not inside --network 10.5.0.0/16"],
    [
      [...base.slice(0, 5), "0.0.0.0/0", ...base.slice(6)],
      '--network: "0.0.0.0/0" is every IPv4 address: an overlay network must leave the host\'s other routes alone (e.g. 10.5.0.0/16)',
    ],
    [[...base.slice(0, 5), "127.0.0.0/16", ...base.slice(6)], '--network: "127.0.0.0/16" overlaps loopback (127.0.0.0/8); pick a private range such as 10.5.0.0/16'],
    [[...base.slice(0, 5), "fd00::/48", ...base.slice(6)], '--network: "fd00::/48" is an IPv6 CIDR; give an IPv4 CIDR such as 10.5.0.0/16'],
    [[...base.slice(0, 7), "192.0.2"], '--bind: "192.0.2" is not an IPv4 address (expected 4 dot-separated octets, found 3)'],
    [[...base.slice(0, 7), "224.0.0.5"], '--bind: "224.0.0.5" is not a unicast address (224.0.0.0 and above are multicast and reserved)'],
    [[...base.slice(0, 7), "fd00::1"], '--bind: "fd00::1" is an IPv6 address; give an IPv4 address'],
    [[...base, "--port", "0"], '--port: "0" is not a port (1 to 65535)'],
    [[...base, "--port", "65536"], '--port: "65536" is not a port (1 to 65535)'],
    [[...base, "--tun", "a-name-that-is-too-long"], "--tun: \"a-name-that-is-too-long\" is not an interface name (1 to 15 letters, digits, '_', '.', '-')"],
    [[...base, "--route", "10.5.2.0/24"], '--route: "10.5.2.0/24" is not usable: not SUBNET=IP[:PORT] (e.g. 10.5.2.0/24=192.0.2.2)'],
    [[...base, "--route", "10.9.2.0/24=192.0.2.2"], '--route: "10.9.2.0/24=192.0.2.2" is not usable: 10.9.2.0/24 is not inside the network 10.5.0.0/16'],
    [[...base, "--route", "10.5.2.0/24=192.0.2.300"], '--route: "10.5.2.0/24=192.0.2.300" is not usable: invalid IP address "192.0.2.300": octet 300 is above 255'],
    [[...base, "--route", "10.5.2.0/24=192.0.2.2:99999"], '--route: "10.5.2.0/24=192.0.2.2:99999" is not usable: port "99999" is not a UDP port (1 to 65535)'],
    [[...base, "--route", "10.5.1.128/25=192.0.2.2"], '--route: "10.5.1.128/25=192.0.2.2" overlaps this host\'s own --subnet 10.5.1.0/24'],
    [[...base, "--route", "10.5.2.0/24=0.0.0.0"], '--route: "10.5.2.0/24=0.0.0.0" has a peer that is not a unicast address (0.0.0.0 means any address)'],
    [[...base, "--route", "10.5.2.0/24=192.0.2.2", "--route", "10.5.2.0/25=192.0.2.3"], '--route: "10.5.2.0/25=192.0.2.3" overlaps the route for 10.5.2.0/24'],
    [[...base, "--mtu", "20"], '--mtu: "20" is out of range: give an MTU from 68 (IPv4\'s minimum) to 65507 (the largest packet one UDP datagram carries)'],
    [[...base, "--mtu", "65508"], '--mtu: "65508" is out of range: give an MTU from 68 (IPv4\'s minimum) to 65507 (the largest packet one UDP datagram carries)'],
  ])("refuses %j with exit 2, before touching a device", async (argv, message) => {
    expect(await run(...argv)).toEqual({ code: 2, out: "", err: `flannel-ts udp: ${message}\n` });
  });

  it("with --json, a refusal is one JSON object on stderr", async () => {
    const result = await run(...base, "--mtu", "1", "--json");
    expect(result.code).toBe(2);
    expect(JSON.parse(result.err)).toEqual({
      error: {
        kind: "bad-value",
        flag: "--mtu",
        message: '--mtu: "1" is out of range: give an MTU from 68 (IPv4\'s minimum) to 65507 (the largest packet one UDP datagram carries)',
        exitCode: 2,
      },
    });
  });

  it("documents its flags", () => {
    for (const flag of ["--tun", "--subnet", "--network", "--bind", "--port", "--route", "--mtu", "--no-source-filter", "--no-offload", "SIGUSR1"]) {
      expect(command.usage).toContain(flag);
    }
  });
});
