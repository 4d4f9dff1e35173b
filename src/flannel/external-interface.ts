import { err, ok, type Result } from "neverthrow";
import { formatIp, ipEquals, parseIp, parseIp4, type Ip, type Ip4 } from "../subnet/index.ts";

/** A host network interface as the agent sees it. */
export interface HostInterface {
  readonly name: string;
  readonly mtu: number;
  readonly addresses: readonly Ip[];
}

/** What `--iface`, `--iface-regex` and `--public-ip` resolve to. */
export interface ExternalInterface {
  /** The interface that carries the overlay's UDP datagrams. */
  readonly name: string;
  /** Its MTU; the TUN's MTU is this minus the encapsulation's overhead. */
  readonly mtu: number;
  /** The interface's IPv4 address the agent binds to. */
  readonly ifaceAddress: Ip4;
  /** The address other hosts send to (the lease's PublicIP): `--public-ip`, else ifaceAddress. */
  readonly publicIp: Ip4;
}

/** How to choose the external interface; the same rules as flanneld's. */
export interface ExternalInterfaceOptions {
  /** `--iface` values in order, each an interface name or one of its IPs; the first match wins. */
  readonly iface?: readonly string[];
  /** `--iface-regex` values, tried on names and addresses after `iface`. */
  readonly ifaceRegex?: readonly string[];
  /** `--public-ip`: the address peers use, when it differs from the interface's (NAT). */
  readonly publicIp?: string;
  /** The interface of the default route, used when neither iface nor ifaceRegex is given. */
  readonly defaultRouteInterface?: string;
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
  if (ifaces.length > 0 || regexes.length > 0) {
    return fail(`no interface matches --iface ${JSON.stringify(ifaces)} or --iface-regex ${JSON.stringify(regexes)}; interfaces: ${interfaces.map((i) => i.name).join(", ")}`);
  }
  const name = options.defaultRouteInterface;
  if (name === undefined) return fail("no default route to choose the interface from: pass --iface or --public-ip with --iface");
  const iface = interfaces.find((i) => i.name === name);
  return iface === undefined ? fail(`the default route's interface ${name} was not found`) : ok({ iface, address: undefined });
}

/**
 * Chooses the interface and public IP the way flanneld does: the first
 * `--iface` that names an interface or one of its addresses, then the first
 * `--iface-regex` match, else the default route's interface; its first IPv4
 * address; `--public-ip` overrides the address peers are told.
 *
 * @param interfaces the host's interfaces
 * @param options see {@link ExternalInterfaceOptions}
 * @returns the choice, or an error that says what was looked for
 * @example
 * ```ts
 * import { chooseExternalInterface } from "./external-interface.ts";
 * import { parseIp } from "../subnet/index.ts";
 * const eth0 = { name: "eth0", mtu: 1500, addresses: [parseIp("192.0.2.10")._unsafeUnwrap()] };
 * const chosen = chooseExternalInterface([eth0], { defaultRouteInterface: "eth0" });
 * chosen.map((c) => c.mtu); // ok(1500)
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
    if (options.publicIp === undefined || options.publicIp === "") {
      return ok({ name: iface.name, mtu: iface.mtu, ifaceAddress, publicIp: ifaceAddress });
    }
    const publicIp = parseIp4(options.publicIp);
    if (publicIp.isErr()) return fail(`--public-ip: ${publicIp.error.message}`);
    return ok({ name: iface.name, mtu: iface.mtu, ifaceAddress, publicIp: publicIp.value });
  });
}
