import { err, ok, type Result } from "neverthrow";

/** An Ethernet (EUI-48) address: `value` is its 48 bits as an integer. Frozen. */
export interface Mac {
  readonly family: "mac";
  readonly value: number;
}

/** Why a text is not a MAC address. */
export interface MacError {
  readonly kind: "invalid-mac";
  readonly input: string;
  readonly reason: string;
  readonly message: string;
}

const MAC_MAX = 2 ** 48 - 1;

/**
 * Makes a MAC address from its 48-bit value.
 *
 * @param value an integer from 0 to 2^48 - 1
 * @returns a frozen {@link Mac}
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMac, mac } from "flannel-ts/netlink";
 * assert.equal(formatMac(mac(0xbe45e55eb14e)), "be:45:e5:5e:b1:4e");
 * ```
 */
export function mac(value: number): Mac {
  if (!Number.isInteger(value) || value < 0 || value > MAC_MAX) throw new RangeError(`mac: ${value} is not a 48-bit unsigned integer`);
  return Object.freeze({ family: "mac", value });
}

/**
 * Parses six two-digit hex octets separated by ':' or '-' (either case), as
 * flanneld's VtepMAC and `ip link` print them.
 *
 * @param text e.g. `"be:45:e5:5e:b1:4e"`
 * @returns the address, or a {@link MacError} naming the bad part
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseMac } from "flannel-ts/netlink";
 * assert.equal(parseMac("BE-45-E5-5E-B1-4E")._unsafeUnwrap().value, 0xbe45e55eb14e);
 * assert.equal(parseMac("be:45:e5:5e:b1")._unsafeUnwrapErr().reason, "expected 6 octets, found 5");
 * ```
 */
export function parseMac(text: string): Result<Mac, MacError> {
  const invalid = (reason: string): Result<Mac, MacError> => err({ kind: "invalid-mac", input: text, reason, message: `invalid MAC address "${text}": ${reason}` });
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) return invalid(`expected 6 octets, found ${parts.length}`);
  if (text.includes(":") && text.includes("-")) return invalid("mixes ':' and '-' separators");
  let value = 0;
  for (const part of parts) {
    if (!/^[0-9a-fA-F]{2}$/.test(part)) return invalid(`octet "${part}" is not two hex digits`);
    value = value * 256 + parseInt(part, 16);
  }
  return ok(mac(value));
}

/**
 * Formats a MAC address in lower case with colons, as Go's net.HardwareAddr
 * (and so flanneld's VtepMAC) does.
 *
 * @param address the address
 * @returns e.g. `"be:45:e5:5e:b1:4e"`
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatMac, macFromBytes } from "flannel-ts/netlink";
 * assert.equal(formatMac(macFromBytes(new Uint8Array([0x0e, 0x53, 0xd2, 0x3d, 0x53, 0x65]))), "0e:53:d2:3d:53:65");
 * ```
 */
export function formatMac(address: Mac): string {
  return [...macBytes(address)].map((b) => b.toString(16).padStart(2, "0")).join(":");
}

/**
 * The six bytes of a MAC address, most significant first (wire order).
 *
 * @param address the address
 * @returns a new 6-byte array
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mac, macBytes } from "flannel-ts/netlink";
 * assert.deepEqual([...macBytes(mac(0x0000000000ff))], [0, 0, 0, 0, 0, 255]);
 * ```
 */
export function macBytes(address: Mac): Uint8Array {
  const bytes = new Uint8Array(6);
  let v = address.value;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return bytes;
}

/**
 * Reads a MAC address from six bytes in wire order.
 *
 * @param bytes at least 6 bytes; the first 6 are used
 * @returns the address
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { macFromBytes } from "flannel-ts/netlink";
 * assert.equal(macFromBytes(new Uint8Array([0, 0, 0, 0, 1, 0])).value, 256);
 * ```
 */
export function macFromBytes(bytes: Uint8Array): Mac {
  if (bytes.length < 6) throw new RangeError(`macFromBytes: ${bytes.length} bytes, need 6`);
  let value = 0;
  for (let i = 0; i < 6; i++) value = value * 256 + bytes[i]!;
  return mac(value);
}
