import { err, ok, type Result } from "neverthrow";
import { type Cidr4, cidr4, type Cidr6, cidr6, formatCidr, isNetworkAddress } from "./cidr.ts";
import { formatIp, ip4, ip6, parseIp4, parseIp6 } from "./ip.ts";

/**
 * The subnet named by a lease key under `<prefix>/subnets/`: an IPv4 subnet
 * and, on dual-stack networks, an IPv6 subnet (`10.5.34.0-24&fd00:12:13::-56`).
 */
export interface SubnetKey {
  readonly ipv4: Cidr4;
  readonly ipv6?: Cidr6;
}

/** Why a text is not a subnet key. */
export interface SubnetKeyError {
  readonly kind: "invalid-subnet-key";
  readonly input: string;
  readonly reason: string;
  readonly message: string;
}

const invalid = (input: string, reason: string): SubnetKeyError => ({
  kind: "invalid-subnet-key",
  input,
  reason,
  message: `invalid subnet key "${input}": ${reason}`,
});

type Part<T> = Result<T, string>;

function splitLength(text: string, family: string): Part<[string, number]> {
  const dash = text.lastIndexOf("-");
  if (dash < 0) return err(`missing prefix length: expected <${family} address>-<length>`);
  const length = text.slice(dash + 1);
  if (!/^[0-9]{1,3}$/.test(length)) {
    const digits = /^[0-9]+/.exec(length)?.[0];
    return err(digits === undefined ? `prefix length "${length}" is not a number` : `trailing text "${length.slice(digits.length)}" after the prefix length`);
  }
  if (length.length > 1 && length.startsWith("0")) return err(`prefix length "${length}" has a leading zero`);
  return ok([text.slice(0, dash), Number(length)]);
}

function parseV4(text: string): Part<Cidr4> {
  return splitLength(text, "IPv4").andThen(([address, length]) => {
    if (length > 32) return err(`IPv4 prefix length ${length} is above 32`);
    const ip = parseIp4(address);
    if (ip.isErr()) return err(ip.error.reason);
    const cidr = cidr4(ip.value.value, length);
    return isNetworkAddress(cidr) ? ok(cidr) : err(`${formatIp(ip.value)} is not the first address of a /${length}`);
  });
}

function parseV6(text: string): Part<Cidr6> {
  return splitLength(text, "IPv6").andThen(([address, length]) => {
    if (length > 128) return err(`IPv6 prefix length ${length} is above 128`);
    const ip = parseIp6(address);
    if (ip.isErr()) return err(`IPv6 part: ${ip.error.reason}`);
    const cidr = cidr6(ip.value.value, length);
    return isNetworkAddress(cidr) ? ok(cidr) : err(`${formatIp(ip.value)} is not the first address of a /${length}`);
  });
}

/**
 * Parses a lease key as flanneld names it: `10.5.34.0-24`, or
 * `10.5.34.0-24&fd00:12:13::-56` on dual-stack networks. IPv6-only keys do
 * not exist in flannel's layout and are refused, as is anything after the
 * key (`10.12.13.0-24hi`).
 *
 * @param text the last segment of the lease's etcd key
 * @returns the subnets, or a {@link SubnetKeyError} with the reason
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { formatSubnetKey, parseSubnetKey } from "flannel-ts/subnet";
 * assert.deepEqual(parseSubnetKey("10.5.34.0-24").map(formatSubnetKey), ok("10.5.34.0-24"));
 * assert.equal(parseSubnetKey("10.12.13.300-24").isErr(), true); // octet 300 is above 255
 * ```
 */
export function parseSubnetKey(text: string): Result<SubnetKey, SubnetKeyError> {
  const amp = text.indexOf("&");
  const v4Text = amp < 0 ? text : text.slice(0, amp);
  if (v4Text === "") return err(invalid(text, "IPv6-only keys are not supported: a key starts with the IPv4 subnet"));
  if (v4Text.includes(":")) return err(invalid(text, "IPv6-only keys are not supported: a key starts with the IPv4 subnet"));
  const v4 = parseV4(v4Text);
  if (v4.isErr()) return err(invalid(text, v4.error));
  if (amp < 0) return ok(Object.freeze({ ipv4: v4.value }));
  const v6 = parseV6(text.slice(amp + 1));
  if (v6.isErr()) return err(invalid(text, v6.error));
  return ok(Object.freeze({ ipv4: v4.value, ipv6: v6.value }));
}

/**
 * Formats a subnet key as flanneld writes it (`10.5.34.0-24`, `...&fd00:12:13::-56`).
 *
 * @param key the subnets
 * @returns the key's text
 */
export function formatSubnetKey(key: SubnetKey): string {
  const v4 = `${formatIp(ip4(key.ipv4.address))}-${key.ipv4.prefix}`;
  return key.ipv6 === undefined ? v4 : `${v4}&${formatIp(ip6(key.ipv6.address))}-${key.ipv6.prefix}`;
}

/**
 * Describes a subnet key for people: `10.5.34.0/24` or `10.5.34.0/24, fd00:12:13::/56`.
 */
export function describeSubnetKey(key: SubnetKey): string {
  return key.ipv6 === undefined ? formatCidr(key.ipv4) : `${formatCidr(key.ipv4)}, ${formatCidr(key.ipv6)}`;
}
