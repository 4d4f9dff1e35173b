import { err, ok, type Result } from "neverthrow";
import type { ExternalInterface } from "../backend/backend.ts";
import { formatIp, type Ip, type Ip4, type Ip6, ipEquals, parseIp, parseIp4, parseIp6 } from "../subnet/index.ts";

/** A host network interface as the agent sees it. */
export interface HostInterface {
  readonly name: string;
  /** The kernel's interface index, when known. */
  readonly index?: number;
  readonly mtu: number;
  readonly addresses: readonly Ip[];
}

/** How to choose the external interface; the same rules as flanneld's. */
export interface ExternalInterfaceOptions {
  /** `--iface` values in order, each an interface name or one of its IPs; the first match wins. */
  readonly iface?: readonly string[];
  /** `--iface-regex` values, tried on names and addresses after `iface`. */
  readonly ifaceRegex?: readonly string[];
  /** `--public-ip`: the address peers use, when it differs from the interface's (NAT). */
  readonly publicIp?: string;
  /** Whether the network is dual-stack: the interface must then have an IPv6 address too (or `--public-ipv6` names one). */
  readonly ipv6?: boolean;
  /** `--public-ipv6`: the IPv6 address peers use. */
  readonly publicIpv6?: string;
  /**
   * `--iface-can-reach`, tried after `iface` and `ifaceRegex`: an address,
   * and the kernel's route to it as the caller looked it up (`ip route get`,
   * `Rtnetlink.routeTo`), or why there is none. The route's interface is
   * chosen, with the route's source address.
   */
  readonly ifaceCanReach?: { readonly address: string; readonly route: Result<RouteToAddress, string> };
  /** The interface of the default route, used when none of iface, ifaceRegex and ifaceCanReach is given. */
  readonly defaultRouteInterface?: string;
}

/** Where the kernel sends packets for an address: the interface, and the source address it gives them. */
export interface RouteToAddress {
  readonly interface: string;
  readonly source?: Ip;
}

/** Why no external interface could be chosen. */
export interface ExternalInterfaceError {
  readonly kind: "external-interface";
  readonly message: string;
}

const fail = (message: string): Result<never, ExternalInterfaceError> => err({ kind: "external-interface", message });

function firstIp4(i: HostInterface): Ip4 | undefined {
  return i.addresses.find((a): a is Ip4 => a.family === 4);
}

function pick(interfaces: readonly HostInterface[], options: ExternalInterfaceOptions): Result<{ iface: HostInterface; address: Ip4 | undefined }, ExternalInterfaceError> {
  const ifaces = options.iface ?? [];
  const regexes = options.ifaceRegex ?? [];
  for (const spec of ifaces) {
    const asIp = parseIp(spec);
    if (asIp.isOk()) {
      const owner = interfaces.find((i) => i.addresses.some((a) => ipEquals(a, asIp.value)));
      if (owner !== undefined) return ok({ iface: owner, address: asIp.value.family === 4 ? asIp.value : undefined });
    } else {
      const byName = interfaces.find((i) => i.name === spec);
      if (byName !== undefined) return ok({ iface: byName, address: undefined });
    }
  }
  for (const source of regexes) {
    let re: RegExp;
    try {
      re = new RegExp(source);
    } catch {
      return fail(`--iface-regex "${source}" is not a valid regular expression`);
    }
    for (const i of interfaces) {
      const address = i.addresses.find((a): a is Ip4 => a.family === 4 && re.test(formatIp(a)));
      if (address !== undefined) return ok({ iface: i, address });
    }
    const byName = interfaces.find((i) => re.test(i.name));
    if (byName !== undefined) return ok({ iface: byName, address: undefined });
  }
  const canReach = options.ifaceCanReach;
  let canReachReason = "";
  if (canReach !== undefined) {
    const route = canReach.route;
    const iface = route.isOk() ? interfaces.find((i) => i.name === route.value.interface) : undefined;
    if (route.isOk() && iface !== undefined) {
      const source = route.value.source;
      return ok({ iface, address: source?.family === 4 ? source : undefined });
    }
    canReachReason = route.isErr() ? route.error : `its route leaves through ${route.value.interface}, which is not among the interfaces`;
  }
  if (ifaces.length > 0 || regexes.length > 0 || canReach !== undefined) {
    const tried = [`--iface ${JSON.stringify(ifaces)}`, `--iface-regex ${JSON.stringify(regexes)}`];
    if (canReach !== undefined) tried.push(`--iface-can-reach ${canReach.address} (${canReachReason})`);
    return fail(`no interface matches ${tried.join(" or ")}; interfaces: ${interfaces.map((i) => i.name).join(", ")}`);
  }
  const name = options.defaultRouteInterface;
  if (name === undefined) return fail("no default route to choose the interface from: pass --iface or --public-ip with --iface");
  const iface = interfaces.find((i) => i.name === name);
  return iface === undefined ? fail(`the default route's interface ${name} was not found`) : ok({ iface, address: undefined });
}

/**
 * Chooses the interface and public IP the way flanneld does: the first
 * `--iface` that names an interface or one of its addresses, then the first
 * `--iface-regex` match, then the interface of the route to
 * `--iface-can-reach` (with the route's source address), else the default
 * route's interface; its first IPv4 address; `--public-ip` overrides the
 * address peers are told. On dual-stack
 * networks also the interface's first global IPv6 address, and
 * `--public-ipv6` over it.
 *
 * @param interfaces the host's interfaces
 * @param options see {@link ExternalInterfaceOptions}
 * @returns the choice, or an error that says what was looked for
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseExternalInterface } from "flannel-ts/flannel";
 * import { parseIp } from "flannel-ts/subnet";
 *
 * const address = parseIp("192.0.2.10");
 * if (address.isErr()) throw new Error(address.error.message);
 * const eth0 = { name: "eth0", mtu: 1500, addresses: [address.value] };
 * const chosen = chooseExternalInterface([eth0], { defaultRouteInterface: "eth0" });
 * assert.equal(chosen.isOk() && chosen.value.mtu, 1500);
 * ```
 */
export function chooseExternalInterface(
  interfaces: readonly HostInterface[],
  options: ExternalInterfaceOptions,
): Result<ExternalInterface, ExternalInterfaceError> {
  return pick(interfaces, options).andThen(({ iface, address }) => {
    const ifaceAddress = address ?? firstIp4(iface);
    if (ifaceAddress === undefined) return fail(`interface ${iface.name} has no IPv4 address`);
    if (!(iface.mtu > 0)) return fail(`failed to determine MTU for ${iface.name} interface`);
    let publicIp: Ip4 = ifaceAddress;
    if (options.publicIp !== undefined && options.publicIp !== "") {
      const parsed = parseIp4(options.publicIp);
      if (parsed.isErr()) return fail(`--public-ip: ${parsed.error.message}`);
      publicIp = parsed.value;
    }
    const chosen: ExternalInterface = { name: iface.name, ...(iface.index === undefined ? {} : { index: iface.index }), mtu: iface.mtu, ifaceAddress, publicIp };
    if (options.ipv6 !== true) return ok(chosen);
    const ifaceAddressV6 = iface.addresses.find((a): a is Ip6 => a.family === 6 && isGlobal6(a));
    let publicIpv6 = ifaceAddressV6;
    if (options.publicIpv6 !== undefined && options.publicIpv6 !== "") {
      const parsed = parseIp6(options.publicIpv6);
      if (parsed.isErr()) return fail(`--public-ipv6: ${parsed.error.message}`);
      publicIpv6 = parsed.value;
    }
    if (ifaceAddressV6 === undefined || publicIpv6 === undefined) {
      return fail(`the network is dual-stack (EnableIPv6), but interface ${iface.name} has no global IPv6 address: add one, or choose another interface with --iface`);
    }
    return ok({ ...chosen, ifaceAddressV6, publicIpv6 });
  });
}

// Link-local (fe80::/10) and loopback addresses cannot carry the overlay between hosts.
function isGlobal6(ip: Ip6): boolean {
  return ip.value >> 118n !== 0x3fan && ip.value !== 1n;
}
