/**
 * `flannel-ts udp` (and Deno's udp-main), declared: flags, help, and the
 * checks that keep the engine off the host's other routes (no 0.0.0.0/0
 * network, the subnet and every route inside the network, no route over
 * the host's own subnet or another route), all before a device is touched.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { parseRouteSpec } from "../../backend/udp/parse-route-spec.ts";
import type { Route } from "../../backend/udp/route-table.ts";
import { DEFAULT_TUN_NAME, DEFAULT_UDP_PORT } from "../../core/defaults.ts";
import { type Cidr4, cidrContains, cidrOverlaps, formatCidr } from "../../subnet/cidr.ts";
import { formatIp } from "../../subnet/ip.ts";
import { defineSpec } from "../command-spec.ts";
import { boolFlag, type FlagError, listFlag, optionalFlag, requiredFlag, valueFlag, withFlag } from "../flag-spec.ts";
import { flagTypes } from "../flag-types.ts";
import { quoteExcerpt } from "../../text/quote-excerpt.ts";
import { jsonFlag } from "../shared-flags.ts";

/** The flags of `flannel-ts udp`. */
export const udpFlags = {
  tun: valueFlag("tun", { type: flagTypes.interfaceName, default: DEFAULT_TUN_NAME, help: "the TUN device to create" }),
  subnet: requiredFlag("subnet", { type: flagTypes.cidr4, help: "this host's subnet, e.g. 10.5.1.0/24" }),
  network: requiredFlag("network", { type: flagTypes.overlayNetwork, help: "the flannel network, e.g. 10.5.0.0/16 (not 0.0.0.0/0, loopback or multicast)" }),
  bind: requiredFlag("bind", { type: flagTypes.bindIp4, help: "the underlay address to bind the UDP port to (0.0.0.0 for every address)" }),
  port: valueFlag("port", { type: flagTypes.port, default: DEFAULT_UDP_PORT, help: "the UDP port, the same on every host" }),
  route: listFlag("route", {
    type: flagTypes.text,
    placeholder: "CIDR=IP[:PORT]",
    help: "a peer's subnet (inside --network, apart from --subnet and the other routes) and its public IP; repeat for more",
  }),
  mtu: optionalFlag("mtu", { type: flagTypes.mtu, help: "the TUN's MTU", defaultText: "the MTU of the interface that holds --bind, or of the default route's, minus 28" }),
  noSourceFilter: boolFlag("no-source-filter", { help: "accept datagrams from any sender, as flanneld does" }),
  noOffload: boolFlag("no-offload", { help: "do not use TSO/GSO/GRO (the bytes on the wire are the same; only slower)" }),
  json: withFlag(jsonFlag, { help: "print the start-up line as one JSON object on stderr (errors too); the counters are JSON anyway" }),
};

/**
 * The routes of `--route`, checked against the network, the port, the
 * host's own subnet and each other.
 *
 * @param texts the `--route` values
 * @param subnet the host's own subnet
 * @param network the flannel network
 * @param port the default peer port
 * @returns the routes, or the first one that cannot be
 * @example
 * ```ts
 * import { parseCidr4 } from "../../subnet/cidr.ts";
 * import { udpRoutes } from "./udp.ts";
 * const routes = udpRoutes(["10.5.2.0/24=192.0.2.2"], parseCidr4("10.5.1.0/24")._unsafeUnwrap(), parseCidr4("10.5.0.0/16")._unsafeUnwrap(), 8285);
 * ```
 */
export function udpRoutes(texts: readonly string[], subnet: Cidr4, network: Cidr4, port: number): Result<Route[], FlagError> {
  const routes: Route[] = [];
  for (const text of texts) {
    const bad = (reason: string): Result<Route[], FlagError> => err({ kind: "bad-value", flag: "--route", message: `--route: ${quoteExcerpt(text)} ${reason}` });
    const parsed = parseRouteSpec(text, network, port);
    if (parsed.isErr()) {
      const prefix = `route "${text}": `;
      return bad(`is not usable: ${parsed.error.message.startsWith(prefix) ? parsed.error.message.slice(prefix.length) : parsed.error.message}`);
    }
    const route = parsed.value;
    const peer = flagTypes.unicastIp4.parse(formatIp(route.peer));
    if (peer.isErr()) return bad(`has a peer that ${peer.error}`);
    if (cidrOverlaps(route.subnet, subnet)) return bad(`overlaps this host's own --subnet ${formatCidr(subnet)}`);
    const clash = routes.find((r) => cidrOverlaps(r.subnet, route.subnet));
    if (clash !== undefined) return bad(`overlaps the route for ${formatCidr(clash.subnet)}`);
    routes.push(route);
  }
  return ok(routes);
}

/** The spec of `flannel-ts udp`. */
export const udpSpec = defineSpec({
  name: "udp",
  synopsis: "--tun NAME --subnet CIDR --network CIDR --bind IP --route CIDR=IP [flags]",
  description: `Runs flannel's UDP data path with static routes: creates the TUN device NAME
(address: the subnet's network address as /32, MTU: the underlay's MTU - 28,
a route for the whole network through it), forwards IPv4 packets between it
and the peers' UDP port (the packet is the datagram's payload, as flanneld's
UDP backend sends it), and on SIGINT or SIGTERM takes back what it changed
(a persistent TUN that existed is kept). A route for the network that exists
already is an error, not replaced.
Datagrams are accepted only from the routes' peers unless --no-source-filter.
Needs root and iproute2's ip. Every flag is checked before a device is touched.

The counters are printed to stdout as one line of JSON on SIGUSR1 and at exit.`,
  flags: udpFlags,
  footer: `Example:
  flannel-ts udp --tun flannel0 --subnet 10.5.1.0/24 --network 10.5.0.0/16 \\
    --bind 192.0.2.1 --route 10.5.2.0/24=192.0.2.2`,
  check: (values) => {
    if (!cidrContains(values.network, values.subnet)) {
      return err({ kind: "conflict", flag: "--subnet", message: `--subnet ${formatCidr(values.subnet)} is not inside --network ${formatCidr(values.network)}` });
    }
    return udpRoutes(values.route, values.subnet, values.network, values.port).map(() => undefined);
  },
});
