import type { Result } from "neverthrow";
import type { NetlinkDecodeError } from "./decode-error.ts";
import { encodeMessage, type NetlinkMessage } from "./netlink-message.ts";

/**
 * One request to the kernel, ready to send except for its sequence number
 * (the batch layer assigns those). The builders (`replaceRoute`,
 * `newLinkVxlan`, ...) make them; `description` names the change in error
 * messages, in `ip`'s words.
 */
export interface NetlinkRequest {
  /** The message type, e.g. `RTM.NEWROUTE`. */
  readonly type: number;
  /** All of `nlmsg_flags`, e.g. `REQUEST | ACK | CREATE | REPLACE`. */
  readonly flags: number;
  /** The family header and the attributes. */
  readonly payload: Uint8Array;
  /** e.g. "replace route 10.5.2.0/24 via 10.5.2.0 dev flannel.1 onlink". */
  readonly description: string;
}

/** A request whose replies carry values of type T: a dump (many) or a get (one). */
export interface NetlinkQuery<T> extends NetlinkRequest {
  /**
   * Reads one reply message into a value; `undefined` for a message the
   * query does not keep (another family, or outside its filter).
   */
  readonly decode: (message: NetlinkMessage) => Result<T | undefined, NetlinkDecodeError>;
}

/**
 * The bytes of a request as one message.
 *
 * @param request what to send
 * @param seq its sequence number
 * @param pid the sender's port id; 0 lets the kernel fill it in
 * @returns the message bytes
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { deleteLink, encodeRequest } from "flannel-ts/netlink";
 * const bytes = encodeRequest(deleteLink(4), 1);
 * assert.equal(bytes.length, 32); // nlmsghdr + ifinfomsg
 * ```
 */
export function encodeRequest(request: NetlinkRequest, seq: number, pid = 0): Uint8Array {
  return encodeMessage({ type: request.type, flags: request.flags, seq, pid }, request.payload);
}
