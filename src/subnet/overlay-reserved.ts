import { type Cidr4, cidr4, cidrOverlaps } from "./cidr.ts";

/** IPv4 ranges an overlay network must leave alone, each with the words that name it in messages. */
const OVERLAY_RESERVED: readonly (readonly [string, Cidr4])[] = [
  ["this-network addresses (0.0.0.0/8)", cidr4(0, 8)],
  ["loopback (127.0.0.0/8)", cidr4(0x7f000000, 8)],
  ["multicast, reserved and broadcast addresses (224.0.0.0/3)", cidr4(0xe0000000, 3)],
];

/**
 * The reserved range an overlay network overlaps, named for a message:
 * 0.0.0.0/8, loopback or 224.0.0.0/3 (routing any of them into an overlay
 * breaks the host). The CLI's flag check and the UDP engine's option check
 * both ask this.
 *
 * @param network the overlay network
 * @returns the range's name, or undefined when the network leaves them all alone
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { overlayReservedClash, parseCidr4 } from "flannel-ts/subnet";
 * assert.equal(overlayReservedClash(parseCidr4("127.0.0.0/16")._unsafeUnwrap()), "loopback (127.0.0.0/8)");
 * assert.equal(overlayReservedClash(parseCidr4("10.5.0.0/16")._unsafeUnwrap()), undefined);
 * ```
 */
export function overlayReservedClash(network: Cidr4): string | undefined {
  return OVERLAY_RESERVED.find(([, range]) => cidrOverlaps(network, range))?.[0];
}
