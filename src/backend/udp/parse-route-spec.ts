import { err, ok, type Result } from "neverthrow";
import { type Cidr4, cidrContains, cidrNetwork, formatCidr, parseCidr4, parseIp4 } from "../../subnet/index.ts";
import type { Route } from "./route-table.ts";

/** Why a static route's text is not `CIDR=IP[:PORT]`. */
export interface RouteSpecError {
  readonly kind: "invalid-route";
  readonly input: string;
  readonly message: string;
}

/**
 * Parses a static route as the `udp` command takes it: `SUBNET=PUBLICIP`
 * or `SUBNET=PUBLICIP:PORT`, the subnet inside the network.
 *
 * @param text e.g. `"10.5.2.0/24=192.0.2.2"`
 * @param network the flannel network the subnet must lie in
 * @param defaultPort the port when none is given
 * @returns the route (its subnet's host bits cleared), or a {@link RouteSpecError}
 * @example
 * ```ts
 * import { parseRouteSpec } from "./parse-route-spec.ts";
 * import { parseCidr4 } from "../../subnet/index.ts";
 * const network = parseCidr4("10.5.0.0/16")._unsafeUnwrap();
 * parseRouteSpec("10.5.2.0/24=192.0.2.2:8286", network, 8285).map((r) => r.port); // ok(8286)
 * parseRouteSpec("10.9.2.0/24=192.0.2.2", network, 8285).isErr(); // true: outside the network
 * ```
 */
export function parseRouteSpec(text: string, network: Cidr4, defaultPort: number): Result<Route, RouteSpecError> {
  const fail = (message: string): Result<Route, RouteSpecError> => err({ kind: "invalid-route", input: text, message: `route "${text}": ${message}` });
  const eq = text.indexOf("=");
  if (eq < 0) return fail("not SUBNET=IP[:PORT] (e.g. 10.5.2.0/24=192.0.2.2)");
  const subnet = parseCidr4(text.slice(0, eq));
  if (subnet.isErr()) return fail(subnet.error.message);
  if (!cidrContains(network, subnet.value)) return fail(`${formatCidr(subnet.value)} is not inside the network ${formatCidr(network)}`);
  const target = text.slice(eq + 1);
  const [host, portText, extra] = target.split(":");
  if (extra !== undefined) return fail(`"${target}" is not IP or IP:PORT`);
  const peer = parseIp4(host ?? "");
  if (peer.isErr()) return fail(peer.error.message);
  let port = defaultPort;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) return fail(`port "${portText}" is not a UDP port (1 to 65535)`);
    port = Number(portText);
  }
  return ok({ subnet: cidrNetwork(subnet.value), peer: peer.value, port });
}
