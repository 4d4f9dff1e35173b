import type { Result } from "neverthrow";
import { openLibcNetlinkSocket, Rtnetlink, type LibcNetlinkSocket, type NetlinkSocketOptions, type NetlinkTransportError, type RtnetlinkOptions } from "../netlink/index.ts";
import { koffiLibc } from "./koffi-libc.ts";

/**
 * Opens an rtnetlink socket on Node.js (libc through koffi): AF_NETLINK,
 * SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE, in the network
 * namespace of the calling thread.
 *
 * @param options receive buffer and clock
 * @returns the socket, or the call that failed with its errno
 * @example
 * ```ts
 * import { openNetlinkSocket } from "flannel-ts/node";
 * const socket = openNetlinkSocket();
 * if (socket.isOk()) socket.value.close();
 * ```
 */
export function openNetlinkSocket(options: NetlinkSocketOptions = {}): Result<LibcNetlinkSocket, NetlinkTransportError> {
  return openLibcNetlinkSocket(koffiLibc(), options);
}

/**
 * Opens an rtnetlink socket on Node.js and puts the {@link Rtnetlink}
 * facade on it (`close()` closes the socket).
 *
 * @param options the facade's limits and the socket's settings
 * @returns the facade, or the call that failed with its errno
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openRtnetlink } from "flannel-ts/node";
 * const rtnl = openRtnetlink()._unsafeUnwrap();
 * const loopback = (await rtnl.linkByName("lo"))._unsafeUnwrap();
 * assert.equal(loopback?.index, 1);
 * rtnl.close();
 * ```
 */
export function openRtnetlink(options: RtnetlinkOptions & NetlinkSocketOptions = {}): Result<Rtnetlink, NetlinkTransportError> {
  return openNetlinkSocket(options).map((socket) => new Rtnetlink(socket, options));
}
