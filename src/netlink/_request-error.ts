import type { NetlinkAck } from "./netlink-ack.ts";
import type { NetlinkRequestError } from "./netlink-errors.ts";
import type { NetlinkRequest } from "./netlink-request.ts";

/** The batch's error value for a request the kernel refused. */
export function requestError(index: number, request: NetlinkRequest, ack: NetlinkAck): NetlinkRequestError {
  const errnoName = ack.errnoName ?? `errno ${ack.errno}`;
  return {
    kind: "netlink-request-failed",
    index,
    request,
    errno: ack.errno,
    errnoName,
    ...(ack.kernelMessage === undefined ? {} : { kernelMessage: ack.kernelMessage }),
    message: `${request.description}: ${errnoName}${ack.kernelMessage === undefined ? "" : ` (${ack.kernelMessage})`}`,
  };
}
