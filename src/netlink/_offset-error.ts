import { malformed, type NetlinkDecodeError, truncated } from "./decode-error.ts";

/** Moves an error's offset from a payload's frame to the datagram's (payloads are read on their own). */
export function offsetError(e: NetlinkDecodeError, by: number): NetlinkDecodeError {
  return e.kind === "truncated-message" ? truncated(e.what, e.offset + by, e.need, e.have) : malformed(e.what, e.offset + by, e.reason);
}
