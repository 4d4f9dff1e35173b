import { cidr4, cidrNetwork, formatCidr, type Cidr4 } from "../../subnet/index.ts";

/** What {@link tunSetupCommands} configures. */
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

/**
 * The `ip` (iproute2) commands that configure a flannel TUN as flanneld's
 * UDP backend does: the subnet's network address as a /32 (no broadcast
 * route; it is the source address of host-to-container traffic), the MTU,
 * link up, and a route for the whole network through the device (`replace`,
 * so that an existing route, e.g. Docker's, is taken over).
 *
 * @param setup see {@link TunSetup}
 * @returns argument lists for `ip`, in order
 * @example
 * ```ts
 * import { tunSetupCommands } from "./tun-setup-commands.ts";
 * import { parseCidr4 } from "../../subnet/index.ts";
 * tunSetupCommands({
 *   name: "flannel0",
 *   subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap(),
 *   network: parseCidr4("10.5.0.0/16")._unsafeUnwrap(),
 *   mtu: 1472,
 * }).map((args) => args.join(" "));
 * // ["addr replace 10.5.1.0/32 dev flannel0", "link set dev flannel0 mtu 1472 up", "route replace 10.5.0.0/16 dev flannel0"]
 * ```
 */
export function tunSetupCommands(setup: TunSetup): string[][] {
  const address = formatCidr(cidr4(cidrNetwork(setup.subnet).address, 32));
  return [
    ["addr", "replace", address, "dev", setup.name],
    ["link", "set", "dev", setup.name, "mtu", String(setup.mtu), "up"],
    ["route", "replace", formatCidr(cidrNetwork(setup.network)), "dev", setup.name],
  ];
}
