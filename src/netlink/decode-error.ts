/**
 * Why bytes from the kernel could not be read: a length that runs past the
 * end (`truncated-message`) or a value that cannot be what the field holds
 * (`malformed-message`). `offset` is where in the datagram the problem is.
 */
export type NetlinkDecodeError =
  | {
    readonly kind: "truncated-message";
    /** The structure being read, e.g. "nlmsghdr" or "IFLA_MTU". */
    readonly what: string;
    readonly offset: number;
    /** Bytes the structure needs from `offset`. */
    readonly need: number;
    /** Bytes there are from `offset`. */
    readonly have: number;
    readonly message: string;
  }
  | {
    readonly kind: "malformed-message";
    readonly what: string;
    readonly offset: number;
    readonly reason: string;
    readonly message: string;
  };

/**
 * Makes a `truncated-message` error.
 *
 * @param what the structure being read
 * @param offset where it starts
 * @param need bytes it needs
 * @param have bytes there are
 * @returns the error value
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { truncated } from "./decode-error.ts";
 * assert.equal(truncated("nlmsghdr", 0, 16, 4).message, "netlink: nlmsghdr at byte 0 needs 16 bytes, 4 left");
 * ```
 */
export function truncated(what: string, offset: number, need: number, have: number): NetlinkDecodeError {
  return { kind: "truncated-message", what, offset, need, have, message: `netlink: ${what} at byte ${offset} needs ${need} bytes, ${have} left` };
}

/**
 * Makes a `malformed-message` error.
 *
 * @param what the structure being read
 * @param offset where it starts
 * @param reason what is wrong, with the value found
 * @returns the error value
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { malformed } from "./decode-error.ts";
 * assert.equal(malformed("nlmsghdr", 0, "nlmsg_len 3 is below 16").message, "netlink: nlmsghdr at byte 0: nlmsg_len 3 is below 16");
 * ```
 */
export function malformed(what: string, offset: number, reason: string): NetlinkDecodeError {
  return { kind: "malformed-message", what, offset, reason, message: `netlink: ${what} at byte ${offset}: ${reason}` };
}
