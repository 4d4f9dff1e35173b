/** The two names of the veth pair that links a container's interface to the bridge. */
export interface VethNames {
  /** The end that stays on the host, a port of the bridge. */
  readonly host: string;
  /** The other end's name from its creation until it is moved into the container and renamed. */
  readonly peer: string;
}

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/** FNV-1a, 64 bits: short, stable across runtimes and releases, and good enough to spread names. */
function fnv1a64(text: string): bigint {
  let hash = FNV64_OFFSET;
  for (const byte of new TextEncoder().encode(text)) hash = ((hash ^ BigInt(byte)) * FNV64_PRIME) & MASK64;
  return hash;
}

/**
 * The veth names for one interface of one container: `fp` (host end) and
 * `fc` (container end, before its rename) followed by 12 hex digits of a
 * hash of the container's full ID and the interface's name; 14 bytes, under
 * Linux's 15. The same container and interface always give the same names,
 * so a second run finds the first run's veth, and two containers (or two
 * interfaces of one) get different ones. pipework instead names them
 * `v<interface>pl<pid>`, which outgrows 15 bytes with a long interface name
 * or PID.
 *
 * @param containerId the container's full ID (not its name, which can be reused)
 * @param containerInterface the interface's name inside the container
 * @returns the two names
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { vethNames } from "./veth-names.ts";
 * const names = vethNames("45ab2b0db5bc1b17f9dd8c3e7972252fac843dfdf1c866fd779b132f6b6df7ee", "eth1");
 * assert.match(names.host, /^fp[0-9a-f]{12}$/); // at most 15 bytes, as the kernel requires
 * ```
 */
export function vethNames(containerId: string, containerInterface: string): VethNames {
  const digits = (fnv1a64(`${containerId}\u0000${containerInterface}`) >> 16n).toString(16).padStart(12, "0");
  return { host: `fp${digits}`, peer: `fc${digits}` };
}
