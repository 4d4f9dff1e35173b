import { err, ok, type Result } from "neverthrow";
import { formatIp, type Ip, type Ip4, ip4, type Ip6, ip6, IP6_MAX, parseIp4, parseIp6 } from "./ip.ts";

/**
 * An IPv4 CIDR: an address (host bits may be set, as in `10.5.52.1/24`) and a
 * prefix length from 0 to 32. Frozen.
 */
export interface Cidr4 {
  readonly family: 4;
  readonly address: number;
  readonly prefix: number;
}

/** An IPv6 CIDR: an address and a prefix length from 0 to 128. Frozen. */
export interface Cidr6 {
  readonly family: 6;
  readonly address: bigint;
  readonly prefix: number;
}

/** An IPv4 or IPv6 CIDR. */
export type Cidr = Cidr4 | Cidr6;

/** Why a text is not a CIDR. */
export interface CidrError {
  readonly kind: "invalid-cidr";
  readonly input: string;
  readonly reason: string;
  readonly message: string;
}

const invalid = (input: string, reason: string): CidrError => ({
  kind: "invalid-cidr",
  input,
  reason,
  message: `invalid CIDR "${input}": ${reason}`,
});

/**
 * Makes an IPv4 CIDR.
 *
 * @param address the address as a 32-bit unsigned integer
 * @param prefix the prefix length, 0 to 32
 * @returns a frozen {@link Cidr4}
 */
export function cidr4(address: number, prefix: number): Cidr4 {
  ip4(address);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new RangeError(`cidr4: prefix ${prefix} is not 0..32`);
  return Object.freeze({ family: 4, address, prefix });
}

/**
 * Makes an IPv6 CIDR.
 *
 * @param address the address as a 128-bit unsigned bigint
 * @param prefix the prefix length, 0 to 128
 * @returns a frozen {@link Cidr6}
 */
export function cidr6(address: bigint, prefix: number): Cidr6 {
  ip6(address);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 128) throw new RangeError(`cidr6: prefix ${prefix} is not 0..128`);
  return Object.freeze({ family: 6, address, prefix });
}

function parsePrefix(input: string, text: string, max: number): Result<number, CidrError> {
  if (!/^[0-9]{1,3}$/.test(text)) return err(invalid(input, `prefix length "${text}" is not a number`));
  if (text.length > 1 && text.startsWith("0")) return err(invalid(input, `prefix length "${text}" has a leading zero`));
  const n = Number(text);
  if (n > max) return err(invalid(input, `prefix length ${n} is above ${max}`));
  return ok(n);
}

/**
 * Parses `address/prefix`, IPv4 or IPv6. The address keeps its host bits
 * (`10.5.52.1/24` stays as written; see {@link cidrNetwork}).
 *
 * @param text e.g. `"10.5.0.0/16"` or `"fc00::/48"`
 * @returns the CIDR, or a {@link CidrError} that names the bad part
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { formatCidr, parseCidr } from "flannel-ts/subnet";
 * assert.deepEqual(parseCidr("10.5.0.0/16").map(formatCidr), ok("10.5.0.0/16"));
 * assert.equal(parseCidr("10.5.0.0")._unsafeUnwrapErr().kind, "invalid-cidr"); // missing prefix length
 * ```
 */
export function parseCidr(text: string): Result<Cidr, CidrError> {
  return text.includes(":") ? parseCidr6(text) : parseCidr4(text);
}

/**
 * Parses an IPv4 CIDR such as `10.5.0.0/16`.
 *
 * @param text the CIDR text
 * @returns the CIDR, or a {@link CidrError}
 */
export function parseCidr4(text: string): Result<Cidr4, CidrError> {
  const slash = text.indexOf("/");
  if (slash < 0) return err(invalid(text, "missing prefix length (/N)"));
  const address = parseIp4(text.slice(0, slash));
  if (address.isErr()) return err(invalid(text, address.error.reason));
  return parsePrefix(text, text.slice(slash + 1), 32).map((prefix) => cidr4(address.value.value, prefix));
}

/**
 * Parses an IPv6 CIDR such as `fc00::/48`.
 *
 * @param text the CIDR text
 * @returns the CIDR, or a {@link CidrError}
 */
export function parseCidr6(text: string): Result<Cidr6, CidrError> {
  const slash = text.indexOf("/");
  if (slash < 0) return err(invalid(text, "missing prefix length (/N)"));
  const address = parseIp6(text.slice(0, slash));
  if (address.isErr()) return err(invalid(text, address.error.reason));
  return parsePrefix(text, text.slice(slash + 1), 128).map((prefix) => cidr6(address.value.value, prefix));
}

/**
 * Formats a CIDR as `address/prefix`, the address as {@link formatIp} prints it.
 *
 * @param cidr the CIDR
 * @returns e.g. `"10.5.34.0/24"`
 */
export function formatCidr(cidr: Cidr): string {
  return `${formatIp(cidrAddress(cidr))}/${cidr.prefix}`;
}

/** The CIDR's address (as written, host bits included) as an {@link Ip}. */
export function cidrAddress(cidr: Cidr4): Ip4;
export function cidrAddress(cidr: Cidr6): Ip6;
export function cidrAddress(cidr: Cidr): Ip;
export function cidrAddress(cidr: Cidr): Ip {
  return cidr.family === 4 ? ip4(cidr.address) : ip6(cidr.address);
}

/**
 * The IPv4 netmask of a prefix length as a 32-bit unsigned integer.
 *
 * @param prefix 0 to 32
 * @returns e.g. 0xffffff00 for 24
 */
export function mask4(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/**
 * The IPv6 netmask of a prefix length as a 128-bit bigint.
 *
 * @param prefix 0 to 128
 */
export function mask6(prefix: number): bigint {
  return IP6_MAX ^ ((1n << BigInt(128 - prefix)) - 1n);
}

/**
 * The network of a CIDR: its host bits cleared.
 *
 * @param cidr e.g. 10.5.52.1/24
 * @returns e.g. 10.5.52.0/24
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { cidrNetwork, formatCidr, parseCidr } from "flannel-ts/subnet";
 * assert.deepEqual(parseCidr("10.5.52.1/24").map((c) => formatCidr(cidrNetwork(c))), ok("10.5.52.0/24"));
 * ```
 */
export function cidrNetwork(cidr: Cidr4): Cidr4;
export function cidrNetwork(cidr: Cidr6): Cidr6;
export function cidrNetwork(cidr: Cidr): Cidr;
export function cidrNetwork(cidr: Cidr): Cidr {
  if (cidr.family === 4) {
    const address = (cidr.address & mask4(cidr.prefix)) >>> 0;
    return address === cidr.address ? cidr : cidr4(address, cidr.prefix);
  }
  const address = cidr.address & mask6(cidr.prefix);
  return address === cidr.address ? cidr : cidr6(address, cidr.prefix);
}

/** True when the CIDR's address has no host bits set (it names a network). */
export function isNetworkAddress(cidr: Cidr): boolean {
  return cidrNetwork(cidr).address === cidr.address;
}

/**
 * The number of addresses in the CIDR, 2^(bits - prefix).
 *
 * @returns e.g. 256n for a /24
 */
export function cidrSize(cidr: Cidr): bigint {
  return 1n << BigInt((cidr.family === 4 ? 32 : 128) - cidr.prefix);
}

/** The first address of the CIDR's network (the network address). */
export function firstAddress(cidr: Cidr): Ip {
  const network = cidrNetwork(cidr);
  return cidrAddress(network);
}

/** The last address of the CIDR's network (for IPv4, the broadcast address). */
export function lastAddress(cidr: Cidr): Ip {
  if (cidr.family === 4) return ip4((cidrNetwork(cidr).address | ~mask4(cidr.prefix)) >>> 0);
  return ip6(cidrNetwork(cidr).address | (IP6_MAX ^ mask6(cidr.prefix)));
}

/**
 * True when `ip` lies in `cidr`'s network. Addresses of the other family never do.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cidrContainsIp, parseCidr, parseIp } from "flannel-ts/subnet";
 * const net = parseCidr("10.5.0.0/16")._unsafeUnwrap();
 * assert.equal(cidrContainsIp(net, parseIp("10.5.34.7")._unsafeUnwrap()), true);
 * assert.equal(cidrContainsIp(net, parseIp("10.6.0.1")._unsafeUnwrap()), false);
 * ```
 */
export function cidrContainsIp(cidr: Cidr, ip: Ip): boolean {
  if (cidr.family === 4) return ip.family === 4 && ((ip.value & mask4(cidr.prefix)) >>> 0) === cidrNetwork(cidr).address;
  return ip.family === 6 && (ip.value & mask6(cidr.prefix)) === cidrNetwork(cidr).address;
}

/**
 * True when every address of `inner` lies in `outer`.
 *
 * @param outer the larger network
 * @param inner the network to test
 */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return inner.family === outer.family && inner.prefix >= outer.prefix && cidrContainsIp(outer, cidrAddress(inner));
}

/**
 * True when the two CIDRs share at least one address (one contains the other).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cidrOverlaps, parseCidr } from "flannel-ts/subnet";
 * const a = parseCidr("172.17.0.0/16")._unsafeUnwrap();
 * const b = parseCidr("172.17.5.0/24")._unsafeUnwrap();
 * assert.equal(cidrOverlaps(a, b), true);
 * ```
 */
export function cidrOverlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  return a.prefix <= b.prefix ? cidrContains(a, b) : cidrContains(b, a);
}

/** True when both CIDRs have the same family, address and prefix. */
export function cidrEquals(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.address === b.address && a.prefix === b.prefix;
}

/**
 * The number of subnets of length `subnetLen` in `network`.
 *
 * @param network the network
 * @param subnetLen a prefix length at least `network.prefix`
 * @returns 2^(subnetLen - prefix), or 0n when subnetLen is shorter than the network's prefix
 */
export function subnetCount(network: Cidr, subnetLen: number): bigint {
  if (subnetLen < network.prefix) return 0n;
  return 1n << BigInt(subnetLen - network.prefix);
}

/** Why {@link nthSubnet} or {@link nextSubnet} has no answer. */
export interface SubnetRangeError {
  readonly kind: "subnet-out-of-range";
  readonly message: string;
}

/**
 * The `n`th subnet (from 0) of length `subnetLen` in `network`.
 *
 * @param network e.g. 10.5.0.0/16
 * @param subnetLen e.g. 24
 * @param n 0-based index
 * @returns e.g. 10.5.34.0/24 for n = 34, or an error when n is past the last subnet
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { formatCidr, nthSubnet, parseCidr } from "flannel-ts/subnet";
 * const net = parseCidr("10.5.0.0/16")._unsafeUnwrap();
 * assert.deepEqual(nthSubnet(net, 24, 34n).map(formatCidr), ok("10.5.34.0/24"));
 * assert.equal(nthSubnet(net, 24, 256n).isErr(), true); // a /16 has 256 /24s: 0 to 255
 * ```
 */
export function nthSubnet(network: Cidr, subnetLen: number, n: bigint): Result<Cidr, SubnetRangeError> {
  const count = subnetCount(network, subnetLen);
  if (subnetLen > (network.family === 4 ? 32 : 128) || n < 0n || n >= count) {
    return err({
      kind: "subnet-out-of-range",
      message: `${formatCidr(network)} has ${count} subnets of length /${subnetLen}; index ${n} is out of range`,
    });
  }
  const base = cidrNetwork(network);
  if (base.family === 4) return ok(cidr4(base.address + Number(n) * 2 ** (32 - subnetLen), subnetLen));
  return ok(cidr6(base.address + (n << BigInt(128 - subnetLen)), subnetLen));
}

/**
 * The subnet of the same length right after `cidr`'s network.
 *
 * @returns e.g. 10.5.35.0/24 after 10.5.34.0/24, or an error past the end of the address space
 */
export function nextSubnet(cidr: Cidr): Result<Cidr, SubnetRangeError> {
  const network = cidrNetwork(cidr);
  const past = (): SubnetRangeError => ({
    kind: "subnet-out-of-range",
    message: `no subnet follows ${formatCidr(network)}: it is the last of the address space`,
  });
  if (network.family === 4) {
    const next = network.address + 2 ** (32 - network.prefix);
    return next > 0xffffffff ? err(past()) : ok(cidr4(next, network.prefix));
  }
  const next = network.address + (1n << BigInt(128 - network.prefix));
  return next > IP6_MAX ? err(past()) : ok(cidr6(next, network.prefix));
}
