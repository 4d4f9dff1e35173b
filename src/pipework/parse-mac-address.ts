import { err, ok, type Result } from "neverthrow";

/** Why a text is not a MAC address the container's interface can take. */
export interface MacAddressError {
  readonly kind: "invalid-mac";
  readonly input: string;
  readonly reason: string;
  readonly message: string;
}

/**
 * Parses a unicast Ethernet MAC address written as six colon-separated
 * pairs of hex digits, either case. Multicast addresses (the first octet's
 * lowest bit set) and all zeros are refused: the kernel will not put them on
 * an interface. pipework's `@vlan` suffix and `U:` form are refused with a
 * reason (VLANs need Open vSwitch or a physical interface; flannel-ts
 * attaches to Linux bridges only).
 *
 * @param text e.g. `"02:42:0A:09:00:02"`
 * @returns the address in lower case, or a {@link MacAddressError}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { parseMacAddress } from "./parse-mac-address.ts";
 * assert.deepEqual(parseMacAddress("02:42:0A:09:00:02"), ok("02:42:0a:09:00:02"));
 * assert.equal(parseMacAddress("01:00:5e:00:00:01").isErr(), true); // multicast
 * ```
 */
export function parseMacAddress(text: string): Result<string, MacAddressError> {
  const fail = (reason: string): Result<string, MacAddressError> => err({ kind: "invalid-mac", input: text, reason, message: `invalid MAC address "${text}": ${reason}` });
  if (text.includes("@")) return fail("a VLAN (@vlan) needs Open vSwitch or a physical interface; flannel-ts attaches to Linux bridges, which take none");
  if (/^U:/i.test(text)) return fail("the U:<text> form (a MAC hashed from a text) is not supported; give the six octets");
  if (!/^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$/.test(text)) return fail("expected six colon-separated pairs of hex digits, e.g. 02:42:0a:09:00:02");
  const octets = text.split(":").map((pair) => parseInt(pair, 16));
  if ((octets[0]! & 1) === 1) return fail("it is a multicast address (the first octet is odd); an interface needs a unicast one, e.g. with 02 as the first octet");
  if (octets.every((o) => o === 0)) return fail("all zeros is not an interface address");
  return ok(text.toLowerCase());
}
