import { err, ok, type Result } from "neverthrow";
import {
  type Cidr,
  cidr4,
  cidr6,
  cidrAddress,
  cidrContainsIp,
  cidrNetwork,
  firstAddress,
  formatCidr,
  formatIp,
  type Ip,
  ipEquals,
  lastAddress,
  parseCidr,
  parseIp,
} from "../subnet/index.ts";
import type { InterfaceAddress } from "./pipework-request.ts";

/** Why a text is not `address/prefix[@gateway]`. */
export interface AddressSpecError {
  readonly kind: "invalid-address";
  readonly input: string;
  readonly reason: string;
  readonly message: string;
}

const LOOPBACK4 = cidr4(0x7f000000, 8);
const MULTICAST4 = cidr4(0xe0000000, 4);
const MULTICAST6 = cidr6(0xffn << 120n, 8);
const LINK_LOCAL6 = cidr6(0xfe80n << 112n, 10);

/** What an address may not be on an interface; undefined when it may. */
function unusable(ip: Ip): string | undefined {
  if (ip.family === 4 ? ip.value === 0 : ip.value === 0n) return "the unspecified address";
  if (ip.family === 4) {
    if (cidrContainsIp(LOOPBACK4, ip)) return "a loopback address";
    if (cidrContainsIp(MULTICAST4, ip)) return "a multicast address";
    if (ip.value === 0xffffffff) return "the broadcast address";
    return undefined;
  }
  if (ip.value === 1n) return "the loopback address";
  if (cidrContainsIp(MULTICAST6, ip)) return "a multicast address";
  return undefined;
}

/** The network's own address, or (IPv4) its broadcast address, which no host may take. */
function reserved(cidr: Cidr, ip: Ip): string | undefined {
  const bits = cidr.family === 4 ? 32 : 128;
  // /31 and /32 (RFC 3021), /127 and /128 (RFC 6164) have no such addresses.
  if (cidr.prefix >= bits - 1) return undefined;
  if (ipEquals(ip, firstAddress(cidr))) {
    return cidr.family === 4 ? `the network address of ${formatCidr(cidrNetwork(cidr))}` : `the subnet-router anycast address of ${formatCidr(cidrNetwork(cidr))}`;
  }
  if (cidr.family === 4 && ipEquals(ip, lastAddress(cidr))) return `the broadcast address of ${formatCidr(cidrNetwork(cidr))}`;
  return undefined;
}

/**
 * Parses pipework's address argument, `address/prefix` or
 * `address/prefix@gateway`, IPv4 or IPv6. The prefix is required (pipework
 * requires it too). Unlike pipework, which hands the text to `ip` unchecked,
 * the address must be one a host can take (not the network's or the
 * broadcast address, not loopback or multicast), and the gateway must be of
 * the same family, another address, and inside the prefix, or for IPv6
 * link-local (`fe80::/10`, how routers usually announce themselves): a
 * gateway outside the prefix is far more often a typo than an on-link
 * router, and the default route through it would need an extra host route.
 *
 * @param text e.g. `"172.20.59.200/24@172.20.59.1"` or `"fd00:9::2/64"`
 * @returns the address and the gateway, or an {@link AddressSpecError} naming what is wrong
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { formatAddressSpec, parseAddressSpec } from "./parse-address-spec.ts";
 * assert.deepEqual(parseAddressSpec("172.20.59.200/24@172.20.59.1").map(formatAddressSpec), ok("172.20.59.200/24@172.20.59.1"));
 * assert.equal(parseAddressSpec("172.20.59.200").isErr(), true); // no prefix length
 * assert.equal(parseAddressSpec("172.20.59.200/24@172.20.60.1").isErr(), true); // gateway outside 172.20.59.0/24
 * ```
 */
export function parseAddressSpec(text: string): Result<InterfaceAddress, AddressSpecError> {
  const fail = (reason: string): Result<InterfaceAddress, AddressSpecError> =>
    err({ kind: "invalid-address", input: text, reason, message: `invalid address "${text}": ${reason}` });
  if (/^(dhcp|udhcpc|dhclient|dhcpcd)(-f)?(:|$)/.test(text)) return fail("DHCP is not supported: give address/prefix, e.g. 10.9.0.2/24");
  const parts = text.split("@");
  if (parts.length > 2) return fail('more than one "@": write address/prefix@gateway');
  const [cidrText = "", gatewayText] = parts;
  if (!cidrText.includes("/")) {
    const ip = parseIp(cidrText);
    return fail(
      ip.isOk()
        ? `no prefix length: write it as ${formatIp(ip.value)}/${ip.value.family === 4 ? 24 : 64}, or with the prefix of your network`
        : "write address/prefix, e.g. 10.9.0.2/24",
    );
  }
  const cidr = parseCidr(cidrText);
  if (cidr.isErr()) return fail(cidr.error.reason);
  const address = cidr.value;
  if (address.prefix === 0) return fail("prefix length 0 would put every address on this link");
  const ip = cidrAddress(address);
  const bad = unusable(ip) ?? reserved(address, ip);
  if (bad !== undefined) return fail(`${formatIp(ip)} is ${bad}`);
  if (gatewayText === undefined) return ok({ address });

  const gateway = parseIp(gatewayText);
  if (gateway.isErr()) return fail(`gateway: ${gateway.error.reason}`);
  const gw = gateway.value;
  if (gw.family !== address.family) return fail(`gateway ${formatIp(gw)} is IPv${gw.family}, the address IPv${address.family}`);
  if (ipEquals(gw, ip)) return fail(`gateway ${formatIp(gw)} is the address itself`);
  const badGateway = unusable(gw);
  if (badGateway !== undefined) return fail(`gateway ${formatIp(gw)} is ${badGateway}`);
  const linkLocal = gw.family === 6 && cidrContainsIp(LINK_LOCAL6, gw);
  if (!linkLocal && !cidrContainsIp(address, gw)) {
    return fail(`gateway ${formatIp(gw)} is outside ${formatCidr(cidrNetwork(address))}${gw.family === 6 ? " (and not link-local)" : ""}`);
  }
  const reservedGateway = linkLocal ? undefined : reserved(address, gw);
  if (reservedGateway !== undefined) return fail(`gateway ${formatIp(gw)} is ${reservedGateway}`);
  return ok({ address, gateway: gw });
}

/**
 * Formats an {@link InterfaceAddress} as {@link parseAddressSpec} reads it.
 *
 * @param spec the address and optional gateway
 * @returns e.g. `"fd00:9::2/64@fd00:9::1"`
 */
export function formatAddressSpec(spec: InterfaceAddress): string {
  return spec.gateway === undefined ? formatCidr(spec.address) : `${formatCidr(spec.address)}@${formatIp(spec.gateway)}`;
}
