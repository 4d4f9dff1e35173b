import { describe, expect, it } from "vitest";
import { runCaptured } from "../_run-captured.ts";
import command from "./udp.ts";

const run = (...argv: string[]) => runCaptured(command, argv);

const base = ["--tun", "fl0", "--subnet", "10.5.1.0/24", "--network", "10.5.0.0/16", "--bind", "192.0.2.1"];

describe("flannel-ts udp: flags (the engine itself is tested in test/integration/udp-*.test.ts)", () => {
  it.each([
    [["--subnet", "10.5.1.0/24", "--network", "10.5.0.0/16"], "missing --bind"],
    [["--network", "10.5.0.0/16", "--bind", "192.0.2.1"], "missing --subnet"],
    [[...base, "--bogus"], "Unknown option '--bogus'"],
    [[...base.slice(0, 3), "10.5.1.0", ...base.slice(4)], '--subnet: invalid CIDR "10.5.1.0": missing prefix length (/N)'],
    [[...base.slice(0, 3), "10.6.1.0/24", ...base.slice(4)], "--subnet 10.6.1.0/24 is not inside --network 10.5.0.0/16"],
    [[...base.slice(0, 7), "192.0.2"], '--bind: invalid IP address "192.0.2"'],
    [[...base, "--port", "0"], '--port "0" is not a UDP port (1 to 65535)'],
    [[...base, "--route", "10.5.2.0/24"], '--route "10.5.2.0/24": not SUBNET=IP[:PORT] (e.g. 10.5.2.0/24=192.0.2.2)'],
    [[...base, "--route", "10.9.2.0/24=192.0.2.2"], '--route "10.9.2.0/24=192.0.2.2": 10.9.2.0/24 is not inside the network 10.5.0.0/16'],
    [[...base, "--route", "10.5.2.0/24=192.0.2.300"], '--route "10.5.2.0/24=192.0.2.300": invalid IP address "192.0.2.300"'],
    [[...base, "--route", "10.5.2.0/24=192.0.2.2:99999"], '--route "10.5.2.0/24=192.0.2.2:99999": port "99999" is not a UDP port (1 to 65535)'],
    [[...base, "--mtu", "20"], '--mtu "20" is not between 68 and 65535'],
  ])("refuses %j", async (argv, message) => {
    const result = await run(...argv);
    expect(result.code).toBe(2);
    expect(result.out).toBe("");
    expect(result.err).toContain(`flannel-ts udp: ${message}`);
    expect(result.err).toMatch(/; run with --help for usage\n$/);
  });

  it("documents its flags", () => {
    for (const flag of ["--tun", "--subnet", "--network", "--bind", "--port", "--route", "--mtu", "--no-source-filter", "--no-offload", "SIGUSR1"]) {
      expect(command.usage).toContain(flag);
    }
  });
});
