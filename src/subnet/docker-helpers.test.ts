import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { bridgeAddress } from "./bridge-address.ts";
import { type Cidr, formatCidr, parseCidr } from "./cidr.ts";
import { DOCKER_GLOBAL_SCOPE_POOLS, dockerPoolNetworks, findDockerConflicts } from "./docker-address-pools.ts";
import { encapsulationMtu } from "./encapsulation-mtu.ts";

const c = (text: string): Cidr => parseCidr(text)._unsafeUnwrap();

describe("bridgeAddress", () => {
  it.each([
    ["10.5.34.0/24", "10.5.34.1/24"],
    ["10.5.34.7/24", "10.5.34.1/24"],
    ["10.3.0.20/30", "10.3.0.21/30"],
    ["fd00:12:13::/56", "fd00:12:13::1/56"],
  ])("%s -> %s", (subnet, bip) => {
    expect(formatCidr(bridgeAddress(c(subnet)))).toBe(bip);
  });
  it("refuses subnets with no host address", () => {
    expect(() => bridgeAddress(c("10.5.34.0/31"))).toThrow(RangeError);
    expect(() => bridgeAddress(c("fd00::/127"))).toThrow(RangeError);
  });
});

describe("encapsulationMtu", () => {
  it.each(
    [
      [1500, "udp", 1472],
      [1500, "vxlan", 1450],
      [1500, "ipip", 1480],
      [1500, "host-gw", 1500],
      [9001, "udp", 8973],
    ] as const,
  )("%i over %s -> %i", (underlay, type, mtu) => {
    expect(encapsulationMtu(underlay, type)).toEqual(ok(mtu));
  });
  it("refuses an underlay too small to carry IPv4", () => {
    expect(encapsulationMtu(90, "udp")).toEqual(
      err({
        kind: "mtu-too-small",
        underlayMtu: 90,
        encapsulation: "udp",
        message: "an underlay MTU of 90 leaves 62 bytes under udp encapsulation (28 bytes of headers); IPv4 needs at least 68: use an interface with a larger MTU",
      }),
    );
  });
});

describe("Docker's address pools", () => {
  it("yields 172.17-31 as /16s and 192.168.0.0/16 as /20s", () => {
    const networks = dockerPoolNetworks().map(formatCidr);
    expect(networks.length).toBe(31);
    expect(networks.slice(0, 15)).toEqual(Array.from({ length: 15 }, (_, i) => `172.${17 + i}.0.0/16`));
    expect(networks.slice(15)).toEqual(Array.from({ length: 16 }, (_, i) => `192.168.${i * 16}.0/20`));
    expect(dockerPoolNetworks(DOCKER_GLOBAL_SCOPE_POOLS).length).toBe(65536);
  });

  it("finds what a flannel network overlaps", () => {
    expect(findDockerConflicts(c("10.5.0.0/16"), { routes: [c("0.0.0.0/0"), c("192.0.2.0/24")] })).toEqual([]);
    expect(findDockerConflicts(c("172.16.0.0/12")).map((x) => formatCidr(x.overlaps))).toEqual(Array.from({ length: 15 }, (_, i) => `172.${17 + i}.0.0/16`));
    expect(findDockerConflicts(c("192.168.20.0/24"), { routes: [c("192.168.0.0/16"), c("fd00::/8")] })).toEqual([
      {
        kind: "docker-address-pool",
        overlaps: c("192.168.16.0/20"),
        message:
          '192.168.20.0/24 overlaps 192.168.16.0/20 from Docker\'s address pools: dockerd may give it to a new network; pick a flannel network outside the pools or set "default-address-pools" in daemon.json',
      },
      {
        kind: "host-route",
        overlaps: c("192.168.0.0/16"),
        message: "192.168.20.0/24 overlaps the host route to 192.168.0.0/16: traffic for those addresses would be ambiguous; pick a flannel network that no route covers",
      },
    ]);
    expect(findDockerConflicts(c("172.17.0.0/16"), { pools: [] })).toEqual([]);
  });
});
