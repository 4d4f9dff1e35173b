/**
 * The MTU left inside an overlay once the encapsulation's headers are paid for.
 *
 * @module
 */
import { err, ok, type Result } from "neverthrow";
import { ENCAPSULATION_OVERHEAD } from "../core/defaults.ts";

/** A backend whose overhead is known. */
export type EncapsulationType = keyof typeof ENCAPSULATION_OVERHEAD;

/** The smallest MTU IPv4 allows (RFC 791); IPv6 needs 1280. */
export const MIN_IPV4_MTU = 68;

/** Why no overlay MTU can be given. */
export interface EncapsulationMtuError {
  readonly kind: "mtu-too-small";
  readonly underlayMtu: number;
  readonly encapsulation: EncapsulationType;
  readonly message: string;
}

/**
 * The overlay MTU of a backend over an underlay interface: the underlay MTU
 * minus the backend's {@link ENCAPSULATION_OVERHEAD}. flanneld writes it as
 * `FLANNEL_MTU` in subnet.env, and dockerd takes it as `mtu`.
 *
 * @param underlayMtu the MTU of the interface packets leave by (e.g. 1500)
 * @param encapsulation the backend type
 * @returns the overlay MTU, or an error when less than {@link MIN_IPV4_MTU} would be left
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ok } from "flannel-ts/core";
 * import { encapsulationMtu } from "flannel-ts/subnet";
 * assert.deepEqual(encapsulationMtu(1500, "udp"), ok(1472));
 * assert.deepEqual(encapsulationMtu(1500, "vxlan"), ok(1450));
 * ```
 */
export function encapsulationMtu(underlayMtu: number, encapsulation: EncapsulationType): Result<number, EncapsulationMtuError> {
  const mtu = underlayMtu - ENCAPSULATION_OVERHEAD[encapsulation];
  if (!Number.isInteger(underlayMtu) || mtu < MIN_IPV4_MTU) {
    return err({
      kind: "mtu-too-small",
      underlayMtu,
      encapsulation,
      message: `an underlay MTU of ${underlayMtu} leaves ${mtu} bytes under ${encapsulation} encapsulation (${
        ENCAPSULATION_OVERHEAD[encapsulation]
      } bytes of headers); IPv4 needs at least ${MIN_IPV4_MTU}: use an interface with a larger MTU`,
    });
  }
  return ok(mtu);
}
