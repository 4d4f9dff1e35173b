import { err, ok, type Result } from "neverthrow";
import { type Cidr4, cidr4, cidrNetwork, formatCidr } from "../../subnet/index.ts";
import type { IpLink, IpRoute } from "./_ip-json.ts";

/** What {@link planTunSetup} configures. */
export interface TunSetup {
  /** The device's name. */
  readonly name: string;
  /** This host's subnet; the device gets its network address as a /32. */
  readonly subnet: Cidr4;
  /** The whole flannel network, routed into the device. */
  readonly network: Cidr4;
  /** The device's MTU: the underlay interface's MTU minus 28 (IPv4 20 + UDP 8). */
  readonly mtu: number;
}

/** What the host has before the engine changes anything (read with `ip -j` and /proc/sys). */
export interface TunHostState {
  /** The device named as asked, with its IPv4 addresses ("a.b.c.d/len") and accept_local ("0", "1"), or undefined when there is none. */
  readonly device: (IpLink & { readonly addresses: readonly string[]; readonly acceptLocal: string }) | undefined;
  /** The main table's routes whose destination is exactly the network. */
  readonly networkRoutes: readonly IpRoute[];
}

/** One change, with the change that takes it back (none when removing the device takes it back). */
export type TunSetupStep =
  | { readonly run: "ip"; readonly args: readonly string[]; readonly undo: readonly string[] | undefined }
  | { readonly run: "write"; readonly path: string; readonly text: string; readonly undo: string | undefined };

/** The changes that set the device up, in order. */
export interface TunSetupPlan {
  /** True when the engine creates the device, and so removes it (with its addresses and routes) at the end. */
  readonly createsDevice: boolean;
  readonly steps: readonly TunSetupStep[];
}

/** The host holds something the engine would have to take over or destroy. */
export interface TunHostConflictError {
  readonly kind: "tun-host-conflict";
  /** What is in the way. */
  readonly what: "device" | "route";
  /** Its name or destination. */
  readonly value: string;
  readonly message: string;
}

/**
 * Plans the setup of flanneld's UDP backend device against what the host
 * has: the subnet's network address as a /32 (the source of the host's own
 * traffic into the overlay), the MTU, link up, a route for the whole network
 * through the device, and `accept_local` (so the ICMP errors the engine
 * writes from that address are not dropped as martians). Nothing that exists
 * is replaced: an address or a route the device already has is left alone
 * and kept at the end; a route for the network through another device, or a
 * device of that name that is not a free persistent TUN, is a
 * {@link TunHostConflictError}. On a device the engine creates, removing it
 * undoes the rest; on a persistent TUN that exists, every step has its undo
 * (and its IPv6 address generation mode, which the kernel changes when the
 * engine attaches, is put back).
 *
 * @param setup see {@link TunSetup}
 * @param state see {@link TunHostState}
 * @returns the steps, or what is in the way
 * @example
 * ```ts
 * import { planTunSetup } from "./tun-setup-plan.ts";
 * import { parseCidr4 } from "../../subnet/index.ts";
 * const plan = planTunSetup(
 *   { name: "flannel0", subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap(), network: parseCidr4("10.5.0.0/16")._unsafeUnwrap(), mtu: 1472 },
 *   { device: undefined, networkRoutes: [] },
 * );
 * // ok({ createsDevice: true, steps: [addr add 10.5.1.0/32 dev flannel0, link set dev flannel0 mtu 1472 up, route add 10.5.0.0/16 dev flannel0, accept_local = 1] })
 * ```
 */
export function planTunSetup(setup: TunSetup, state: TunHostState): Result<TunSetupPlan, TunHostConflictError> {
  const { name, mtu } = setup;
  const network = formatCidr(cidrNetwork(setup.network));
  const conflict = (what: TunHostConflictError["what"], value: string, message: string): Result<TunSetupPlan, TunHostConflictError> =>
    err({ kind: "tun-host-conflict", what, value, message });
  const device = state.device;
  if (device !== undefined) {
    if (device.kind !== "tun") {
      return conflict(
        "device",
        name,
        `device ${name} exists and is ${device.kind === undefined ? "not a TUN device" : `a ${device.kind} device, not a TUN`}; the engine leaves it alone`,
      );
    }
    // A TUN that is not persistent exists only while a process holds it.
    if (!device.persist) return conflict("device", name, `TUN device ${name} is in use by another process`);
  }
  const taken = state.networkRoutes.find((r) => r.dev !== name);
  if (taken !== undefined) {
    const via = taken.dev === undefined ? `a ${taken.type} route` : `a route through ${taken.dev}`;
    return conflict("route", network, `the host already has ${via} for ${network}; the engine does not replace a route it did not make (remove it, or pick another network)`);
  }
  const own = device !== undefined;
  const address = formatCidr(cidr4(cidrNetwork(setup.subnet).address, 32));
  const steps: TunSetupStep[] = [];
  // The kernel switches a TUN's IPv6 address generation to random when it
  // first gets a carrier (the engine attaching): pinned now, put back last.
  if (device?.addrGenMode !== undefined) {
    const pin = ["link", "set", "dev", name, "addrgenmode", device.addrGenMode];
    steps.push({ run: "ip", args: pin, undo: pin });
  }
  if (!device?.addresses.includes(address)) steps.push({ run: "ip", args: ["addr", "add", address, "dev", name], undo: own ? ["addr", "del", address, "dev", name] : undefined });
  if (device === undefined) {
    steps.push({ run: "ip", args: ["link", "set", "dev", name, "mtu", String(mtu), "up"], undo: undefined });
  } else if (device.mtu !== mtu || !device.up) {
    const undo = ["link", "set", "dev", name, ...(device.mtu !== mtu ? ["mtu", String(device.mtu)] : []), ...(device.up ? [] : ["down"])];
    steps.push({ run: "ip", args: ["link", "set", "dev", name, "mtu", String(mtu), "up"], undo });
  }
  if (state.networkRoutes.length === 0) steps.push({ run: "ip", args: ["route", "add", network, "dev", name], undo: own ? ["route", "del", network, "dev", name] : undefined });
  if (device?.acceptLocal.trim() !== "1") {
    steps.push({ run: "write", path: acceptLocalPath(name), text: "1\n", undo: own ? `${device.acceptLocal.trim()}\n` : undefined });
  }
  return ok({ createsDevice: !own, steps });
}

/**
 * The sysctl file of a device's `accept_local`.
 *
 * @param name the device
 * @returns its path under /proc/sys
 * @example
 * ```ts
 * import { acceptLocalPath } from "./tun-setup-plan.ts";
 * acceptLocalPath("flannel0"); // "/proc/sys/net/ipv4/conf/flannel0/accept_local"
 * ```
 */
export function acceptLocalPath(name: string): string {
  return `/proc/sys/net/ipv4/conf/${name}/accept_local`;
}
