import { err, ok, type Result } from "neverthrow";
import { DEFAULT_TUN_NAME, DEFAULT_UDP_PORT } from "../../core/defaults.ts";
import { cidrContains, cidrContainsIp, cidrOverlaps, formatCidr } from "../../subnet/cidr.ts";
import { formatIp, type Ip4 } from "../../subnet/ip.ts";
import { MIN_IPV4_MTU } from "../../subnet/encapsulation-mtu.ts";
import { overlayReservedClash } from "../../subnet/overlay-reserved.ts";
import { tunNameProblem } from "./open-tun.ts";
import type { UdpEngineOptions } from "./udp-engine.ts";
import { MAX_UDP_PAYLOAD } from "./udp-pumps.ts";

/** The engine options {@link checkUdpEngineOptions} reads. */
export type CheckedUdpEngineOptions = Pick<UdpEngineOptions, "device" | "subnet" | "network" | "mtu" | "bind" | "port" | "routes">;

/** An engine option the engine refuses, found before anything on the host is changed. */
export interface UdpEngineOptionError {
  readonly kind: "udp-engine-option";
  /** The option, as named in `UdpEngineOptions`. */
  readonly option: keyof CheckedUdpEngineOptions;
  /** The refused value, as text. */
  readonly value: string;
  readonly message: string;
}

/** The smallest MTU: IPv4's minimum (RFC 791). The largest is what one UDP datagram carries. */
const MULTICAST_FIRST = 0xe0000000;

function notUnicast(ip: Ip4): string | undefined {
  if (ip.value === 0) return "0.0.0.0 (any address)";
  if (ip.value >= MULTICAST_FIRST) return "multicast, reserved or broadcast";
  return undefined;
}

/**
 * Checks the engine's options before it touches the host, so that values no
 * engine can use end in a typed error and nothing else: the device name, an
 * MTU that one UDP datagram carries, the port, a network that is not every
 * address (its route would take over the default route) and leaves
 * 0.0.0.0/8, loopback and multicast alone, a subnet inside it, an underlay
 * address and peers outside it (their datagrams would be routed into the
 * TUN), and routes inside the network apart from this host's subnet.
 *
 * @param options the engine's options
 * @returns nothing, or the first value refused
 * @example
 * ```ts
 * import { checkUdpEngineOptions } from "./check-udp-engine-options.ts";
 * import { parseCidr4 } from "../../subnet/index.ts";
 * const checked = checkUdpEngineOptions({ subnet: parseCidr4("10.5.1.0/24")._unsafeUnwrap(), network: parseCidr4("0.0.0.0/0")._unsafeUnwrap() });
 * // err({ kind: "udp-engine-option", option: "network", value: "0.0.0.0/0", message: "network 0.0.0.0/0 is every IPv4 address: ..." })
 * ```
 */
export function checkUdpEngineOptions(options: CheckedUdpEngineOptions): Result<void, UdpEngineOptionError> {
  const refuse = (option: UdpEngineOptionError["option"], value: string, why: string): Result<void, UdpEngineOptionError> =>
    err({ kind: "udp-engine-option", option, value, message: `${option} ${value} ${why}` });
  const device = options.device ?? DEFAULT_TUN_NAME;
  const badName = tunNameProblem(device);
  if (badName !== undefined) return refuse("device", JSON.stringify(device), badName);
  const mtu = options.mtu ?? 1472;
  if (!Number.isInteger(mtu) || mtu < MIN_IPV4_MTU || mtu > MAX_UDP_PAYLOAD) {
    return refuse("mtu", String(mtu), `is not between ${MIN_IPV4_MTU} and ${MAX_UDP_PAYLOAD} (the largest packet one UDP datagram carries)`);
  }
  const port = options.port ?? DEFAULT_UDP_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return refuse("port", String(port), "is not between 1 and 65535");
  const { network, subnet } = options;
  const net = formatCidr(network);
  if (network.prefix === 0) return refuse("network", net, "is every IPv4 address: its route would take over the default route; give the flannel network, e.g. 10.5.0.0/16");
  const reserved = overlayReservedClash(network);
  if (reserved !== undefined) return refuse("network", net, `overlaps ${reserved}`);
  if (!cidrContains(network, subnet)) return refuse("subnet", formatCidr(subnet), `is not inside network ${net}`);
  if (options.bind !== undefined && options.bind.value !== 0) {
    const bind = formatIp(options.bind);
    const problem = notUnicast(options.bind);
    if (problem !== undefined) return refuse("bind", bind, `is not a unicast address (${problem})`);
    if (cidrContainsIp(network, options.bind)) return refuse("bind", bind, `is inside network ${net}: the underlay must lie outside the overlay`);
  }
  for (const route of options.routes ?? []) {
    const text = `${formatCidr(route.subnet)}=${formatIp(route.peer)}:${route.port}`;
    if (!cidrContains(network, route.subnet)) return refuse("routes", text, `has a subnet outside network ${net}`);
    if (cidrOverlaps(route.subnet, subnet)) return refuse("routes", text, `overlaps this host's subnet ${formatCidr(subnet)}`);
    const problem = notUnicast(route.peer);
    if (problem !== undefined) return refuse("routes", text, `has a peer that is not a unicast address (${problem})`);
    if (cidrContainsIp(network, route.peer)) return refuse("routes", text, `has a peer inside network ${net}: its datagrams would be routed into the TUN`);
    if (!Number.isInteger(route.port) || route.port < 1 || route.port > 65535) return refuse("routes", text, "has a port that is not between 1 and 65535");
  }
  return ok(undefined);
}
