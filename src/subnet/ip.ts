import IPCIDR from "ip-cidr";
import { err, ok, type Result } from "neverthrow";

/** An IPv4 address: `value` is the address as an unsigned 32-bit integer. Frozen. */
export interface Ip4 {
  readonly family: 4;
  readonly value: number;
}

/** An IPv6 address: `value` is the address as an unsigned 128-bit bigint. Frozen. */
export interface Ip6 {
  readonly family: 6;
  readonly value: bigint;
}

/** An IPv4 or IPv6 address. */
export type Ip = Ip4 | Ip6;

/** Why a text is not an IP address. `reason` says which part is wrong. */
export interface IpError {
  readonly kind: "invalid-ip";
  readonly input: string;
  readonly reason: string;
  readonly message: string;
}

/** The largest IPv6 address value, 2^128 - 1. */
export const IP6_MAX = (1n << 128n) - 1n;

/**
 * Makes an IPv4 address from its 32-bit value.
 *
 * @param value an integer from 0 to 2^32 - 1
 * @returns a frozen {@link Ip4}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatIp, ip4 } from "flannel-ts/subnet";
 * assert.equal(formatIp(ip4(0x0a050100)), "10.5.1.0");
 * ```
 */
export function ip4(value: number): Ip4 {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`ip4: ${value} is not a 32-bit unsigned integer`);
  }
  return Object.freeze({ family: 4, value });
}

/**
 * Makes an IPv6 address from its 128-bit value.
 *
 * @param value a bigint from 0 to 2^128 - 1
 * @returns a frozen {@link Ip6}
 */
export function ip6(value: bigint): Ip6 {
  if (value < 0n || value > IP6_MAX) throw new RangeError(`ip6: ${value} is not a 128-bit unsigned integer`);
  return Object.freeze({ family: 6, value });
}

const invalid = (input: string, reason: string): IpError => ({
  kind: "invalid-ip",
  input,
  reason,
  message: `invalid IP address "${input}": ${reason}`,
});

/**
 * Parses dotted-quad IPv4 text strictly: four decimal octets from 0 to 255,
 * no leading zeros (Go's net.ParseIP, and so flanneld, rejects them too), no
 * surrounding space.
 *
 * @param text e.g. `"10.5.34.0"`
 * @returns the address, or an {@link IpError} naming the bad part
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { parseIp4 } from "flannel-ts/subnet";
 * assert.deepEqual(parseIp4("10.5.34.1").map((ip) => ip.value), ok(168108545));
 * assert.equal(parseIp4("10.12.13.300").isErr(), true); // octet 300 is above 255
 * ```
 */
export function parseIp4(text: string): Result<Ip4, IpError> {
  const parts = text.split(".");
  if (parts.length !== 4) return err(invalid(text, `expected 4 dot-separated octets, found ${parts.length}`));
  let value = 0;
  for (const part of parts) {
    if (!/^[0-9]{1,3}$/.test(part)) return err(invalid(text, `octet "${part}" is not a decimal number from 0 to 255`));
    if (part.length > 1 && part.startsWith("0")) return err(invalid(text, `octet "${part}" has a leading zero`));
    const octet = Number(part);
    if (octet > 255) return err(invalid(text, `octet ${octet} is above 255`));
    value = value * 256 + octet;
  }
  return ok(ip4(value));
}

/**
 * Parses IPv6 text (RFC 4291 forms, including `::` and a trailing dotted
 * quad). Zones (`%eth0`) are refused: a subnet has no zone. ip-cidr checks
 * the syntax; the value is then read group by group.
 *
 * @param text e.g. `"fd00:12:13::"`
 * @returns the address, or an {@link IpError}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { formatIp, parseIp6 } from "flannel-ts/subnet";
 * assert.deepEqual(parseIp6("fc00:0:0:1:0:0:0:0").map(formatIp), ok("fc00:0:0:1::"));
 * ```
 */
export function parseIp6(text: string): Result<Ip6, IpError> {
  if (text.includes("%")) return err(invalid(text, "zones (%...) are not allowed here"));
  if (!text.includes(":")) return err(invalid(text, "not IPv6: no ':'"));
  if (!IPCIDR.isValidAddress(text)) return err(invalid(text, "not a valid IPv6 address"));
  // The validator above also takes a prefix ("fd00::1/64"), and parseInt
  // would then stop at the "/": an address is hex digits, ':' and '.' only.
  const stray = /[^0-9a-fA-F:.]/.exec(text);
  if (stray !== null) return err(invalid(text, `unexpected character ${JSON.stringify(stray[0])} at offset ${stray.index}`));
  let body = text;
  const groups: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  const tail: number[] = [];
  if (dotted !== null) {
    const v4 = parseIp4(dotted[2] ?? "");
    if (v4.isErr()) return err(invalid(text, `embedded IPv4 part: ${v4.error.reason}`));
    tail.push(v4.value.value >>> 16, v4.value.value & 0xffff);
    body = dotted[1] ?? "";
    if (body.endsWith(":") && !body.endsWith("::")) body = body.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return err(invalid(text, "'::' appears more than once"));
  const read = (s: string): number[] => (s === "" ? [] : s.split(":").map((g) => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = read(halves[0] ?? "");
  const rest = halves.length === 2 ? read(halves[1] ?? "") : [];
  const missing = 8 - head.length - rest.length - tail.length;
  if (halves.length === 1 && missing !== 0) return err(invalid(text, "expected 8 groups"));
  if (missing < 0) return err(invalid(text, "more than 8 groups"));
  groups.push(...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest, ...tail);
  let value = 0n;
  for (const g of groups) {
    if (!Number.isInteger(g) || g < 0 || g > 0xffff) return err(invalid(text, "group out of range"));
    value = (value << 16n) | BigInt(g);
  }
  return ok(ip6(value));
}

/**
 * Parses an IPv4 or IPv6 address; text with a ':' is IPv6.
 *
 * @param text the address
 * @returns the address, or an {@link IpError}
 */
export function parseIp(text: string): Result<Ip, IpError> {
  return text.includes(":") ? parseIp6(text) : parseIp4(text);
}

/**
 * Formats an address the way Go (and so flanneld) prints it: dotted quad, or
 * RFC 5952 IPv6 (lower case, no leading zeros, the longest run of two or
 * more zero groups as `::`).
 *
 * @param ip the address
 * @returns its text
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatIp, ip6 } from "flannel-ts/subnet";
 * assert.equal(formatIp(ip6(0xfd00_0012_0013_0000_0000_0000_0000_0000n)), "fd00:12:13::");
 * ```
 */
export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    const v = ip.value;
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((ip.value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/**
 * Compares two addresses of any family; IPv4 sorts before IPv6.
 *
 * @returns negative, zero or positive
 */
export function compareIp(a: Ip, b: Ip): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** True when both are the same address of the same family. */
export function ipEquals(a: Ip, b: Ip): boolean {
  return a.family === b.family && a.value === b.value;
}
