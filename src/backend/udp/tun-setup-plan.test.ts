import { err, ok } from "neverthrow";
import { describe, expect, it } from "vitest";
import { parseCidr4 } from "../../subnet/index.ts";
import { planTunSetup, type TunHostState, type TunSetup } from "./tun-setup-plan.ts";

const c = (text: string) => parseCidr4(text)._unsafeUnwrap();
const setup: TunSetup = { name: "fl0", subnet: c("10.5.1.7/24"), network: c("10.5.3.1/16"), mtu: 1472 };
const tun = {
  ifindex: 7,
  name: "fl0",
  mtu: 1472,
  up: true,
  kind: "tun",
  persist: true,
  addrGenMode: undefined as string | undefined,
  addresses: [] as string[],
  acceptLocal: "1\n",
};
const ACCEPT = "/proc/sys/net/ipv4/conf/fl0/accept_local";

describe("planTunSetup", () => {
  const plans: readonly (readonly [string, TunHostState, boolean, unknown[]])[] = [
    [
      "no device: create it; removing it undoes the rest",
      { device: undefined, networkRoutes: [] },
      true,
      [
        { run: "ip", args: ["addr", "add", "10.5.1.0/32", "dev", "fl0"], undo: undefined },
        { run: "ip", args: ["link", "set", "dev", "fl0", "mtu", "1472", "up"], undo: undefined },
        { run: "ip", args: ["route", "add", "10.5.0.0/16", "dev", "fl0"], undo: undefined },
        { run: "write", path: ACCEPT, text: "1\n", undo: undefined },
      ],
    ],
    [
      "a bare persistent TUN, down, another MTU: every change with its undo",
      { device: { ...tun, mtu: 1500, up: false, addrGenMode: "eui64", addresses: ["10.9.0.1/32"], acceptLocal: "0\n" }, networkRoutes: [] },
      false,
      [
        { run: "ip", args: ["link", "set", "dev", "fl0", "addrgenmode", "eui64"], undo: ["link", "set", "dev", "fl0", "addrgenmode", "eui64"] },
        { run: "ip", args: ["addr", "add", "10.5.1.0/32", "dev", "fl0"], undo: ["addr", "del", "10.5.1.0/32", "dev", "fl0"] },
        { run: "ip", args: ["link", "set", "dev", "fl0", "mtu", "1472", "up"], undo: ["link", "set", "dev", "fl0", "mtu", "1500", "down"] },
        { run: "ip", args: ["route", "add", "10.5.0.0/16", "dev", "fl0"], undo: ["route", "del", "10.5.0.0/16", "dev", "fl0"] },
        { run: "write", path: ACCEPT, text: "1\n", undo: "0\n" },
      ],
    ],
    [
      "a persistent TUN up with the right MTU, only the address missing",
      { device: tun, networkRoutes: [{ dst: "10.5.0.0/16", dev: "fl0", type: "unicast" }] },
      false,
      [{ run: "ip", args: ["addr", "add", "10.5.1.0/32", "dev", "fl0"], undo: ["addr", "del", "10.5.1.0/32", "dev", "fl0"] }],
    ],
    [
      "a persistent TUN set up already: nothing to do, nothing to undo",
      { device: { ...tun, addresses: ["10.5.1.0/32"] }, networkRoutes: [{ dst: "10.5.0.0/16", dev: "fl0", type: "unicast" }] },
      false,
      [],
    ],
  ];
  it.each(plans)("%s", (_name, state, createsDevice, steps) => {
    expect(planTunSetup(setup, state)).toEqual(ok({ createsDevice, steps }));
  });

  const conflicts: readonly (readonly [TunHostState, "device" | "route", string, string])[] = [
    [{ device: { ...tun, kind: "bridge" }, networkRoutes: [] }, "device", "fl0", "device fl0 exists and is a bridge device, not a TUN; the engine leaves it alone"],
    [{ device: { ...tun, kind: undefined }, networkRoutes: [] }, "device", "fl0", "device fl0 exists and is not a TUN device; the engine leaves it alone"],
    [{ device: { ...tun, persist: false }, networkRoutes: [] }, "device", "fl0", "TUN device fl0 is in use by another process"],
    [
      { device: undefined, networkRoutes: [{ dst: "10.5.0.0/16", dev: "flannel0", type: "unicast" }] },
      "route",
      "10.5.0.0/16",
      "the host already has a route through flannel0 for 10.5.0.0/16; the engine does not replace a route it did not make (remove it, or pick another network)",
    ],
    [
      { device: tun, networkRoutes: [{ dst: "10.5.0.0/16", dev: undefined, type: "blackhole" }] },
      "route",
      "10.5.0.0/16",
      "the host already has a blackhole route for 10.5.0.0/16; the engine does not replace a route it did not make (remove it, or pick another network)",
    ],
  ];
  it.each(conflicts)("refuses %j", (state, what, value, message) => {
    expect(planTunSetup(setup, state)).toEqual(err({ kind: "tun-host-conflict", what, value, message }));
  });
});
