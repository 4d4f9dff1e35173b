import { describe, expect, it } from "vitest";
import { defaultRouteInterface, listHostInterfaces } from "./host-interfaces.ts";

describe("host interfaces", () => {
  it("finds the default route with the lowest metric", () => {
    const table = [
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT",
      "eth1\t00000000\t0102000A\t0003\t0\t0\t200\t00000000\t0\t0\t0",
      "eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0",
      "eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0",
    ].join("\n");
    expect(defaultRouteInterface(table)).toBe("eth0");
    expect(defaultRouteInterface(table.split("\n").slice(0, 1).join("\n"))).toBeUndefined();
  });
  it("lists lo with its MTU and address", () => {
    const lo = listHostInterfaces().find((i) => i.name === "lo");
    expect(lo?.mtu).toBe(65536);
    expect(lo?.addresses).toContainEqual({ family: 4, value: 0x7f000001 });
  });
});
