/**
 * The address a host's bridge takes in its flannel subnet.
 *
 * @module
 */
import { type Cidr, type Cidr4, cidr4, type Cidr6, cidr6, cidrNetwork } from "./cidr.ts";

/**
 * The bridge address of a subnet: its first host address with the subnet's
 * prefix length, `10.5.34.1/24` for `10.5.34.0/24`. This is the value of
 * dockerd's `bip` (`--bip`) and of flanneld's `FLANNEL_SUBNET` in subnet.env.
 * For IPv6, `fd00:12:13::1/64`, the form dockerd's `fixed-cidr-v6` gateway takes.
 *
 * @param subnet a leased subnet (host bits, if any, are ignored)
 * @returns the bridge address as a CIDR
 * @throws RangeError when the subnet has no host address (IPv4 /31 or /32, IPv6 /127 or /128):
 *   flannel never leases those, so passing one is a bug
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bridgeAddress, formatCidr, parseCidr } from "flannel-ts/subnet";
 * assert.equal(formatCidr(bridgeAddress(parseCidr("10.5.34.0/24")._unsafeUnwrap())), "10.5.34.1/24");
 * ```
 */
export function bridgeAddress(subnet: Cidr4): Cidr4;
export function bridgeAddress(subnet: Cidr6): Cidr6;
export function bridgeAddress(subnet: Cidr): Cidr;
export function bridgeAddress(subnet: Cidr): Cidr {
  const network = cidrNetwork(subnet);
  const max = network.family === 4 ? 30 : 126;
  if (network.prefix > max) {
    throw new RangeError(`bridgeAddress: a /${network.prefix} has no room for a bridge and containers (at most /${max})`);
  }
  return network.family === 4 ? cidr4(network.address + 1, network.prefix) : cidr6(network.address + 1n, network.prefix);
}
